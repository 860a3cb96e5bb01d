// The grant-and-change form as pure logic: form state → contract arguments, validation in plain words, expiry presets,
// and the review sentence (the signed message of a gas-free grant is in lib/consentSignatures.ts). No React, no chain: `now` is always passed in.
import { getAddress, isAddress, type Address } from "viem";
import type { GrantArgs } from "@/lib/consentSignatures";
import {
  ACTIONS,
  CATEGORIES,
  categoriesOf,
  describeActions,
  describePurposes,
  joinWords,
  PURPOSES,
  READ,
  ROUTINE_CATEGORIES,
  SENSITIVE_CATEGORIES,
} from "@/lib/consentCodes";
import { formatDate } from "@/lib/format";

const DAY = 24 * 3600;
/** The contract refuses an expiry further ahead than this (ConsentRegistry.MAX_CONSENT_DURATION). */
export const MAX_CONSENT_DURATION = 10 * 365 * DAY;
export const EXPIRY_PRESETS = [
  { key: "1w", label: "1 week", seconds: 7 * DAY },
  { key: "1m", label: "1 month", seconds: 30 * DAY },
  { key: "6m", label: "6 months", seconds: 182 * DAY },
  { key: "1y", label: "1 year", seconds: 365 * DAY },
] as const;
export type ExpiryPresetKey = (typeof EXPIRY_PRESETS)[number]["key"];

export type ExpiryChoice = { kind: "preset"; preset: ExpiryPresetKey } | { kind: "custom"; date: string };

export interface GrantFormState {
  /** The chosen provider's address, or "" while none is chosen. */
  grantee: string;
  categories: bigint;
  actions: number;
  purposes: number;
  expiry: ExpiryChoice;
}

export type { GrantArgs };

export type GrantField = "grantee" | "categories" | "actions" | "purposes" | "expiry";
export type GrantErrors = Partial<Record<GrantField, string>>;

/** What the form needs to know about the chosen provider and the person granting. */
export interface GrantContext {
  /** Seconds since the epoch, on the chain's clock. */
  now: number;
  patient?: Address;
  /** The chosen provider's registry status, when known. */
  providerStatus?: "active" | "suspended" | "unregistered";
}

export const ROUTINE_CATEGORY_LIST = CATEGORIES.filter((c) => !c.sensitive);
export const SENSITIVE_CATEGORY_LIST = CATEGORIES.filter((c) => c.sensitive);
const DEFINED_CATEGORIES = CATEGORIES.reduce((mask, c) => mask | (1n << BigInt(c.bit)), 0n);
const DEFINED_ACTIONS = ACTIONS.reduce((mask, a) => mask | a.bit, 0);
const DEFINED_PURPOSES = PURPOSES.reduce((mask, p) => mask | p.bit, 0);

/** A new grant: read access for treatment for one year; the patient chooses the provider and the data. */
export function emptyGrantForm(grantee = ""): GrantFormState {
  return { grantee, categories: 0n, actions: READ, purposes: 1, expiry: { kind: "preset", preset: "1y" } };
}

/** A change: the form prefilled with the consent the provider holds now (from `consentOf`). */
export function grantFormFromConsent(
  grantee: string,
  consent: { categories: bigint; actions: number; purposes: number; expiresAt: number },
): GrantFormState {
  return {
    grantee,
    categories: consent.categories,
    actions: consent.actions,
    purposes: consent.purposes,
    expiry: { kind: "custom", date: dateInputValue(consent.expiresAt) },
  };
}

/** Toggles one bit (a category bit number, or an action or purpose bit value) in a mask. */
export function toggleCategory(mask: bigint, bit: number): bigint {
  return mask ^ (1n << BigInt(bit));
}
export const toggleBit = (mask: number, bit: number) => mask ^ bit;

export const hasAllRoutine = (mask: bigint) => (mask & ROUTINE_CATEGORIES) === ROUTINE_CATEGORIES;

/** The "all routine data" shortcut: selects or clears bits 0–12, never touching the sensitive ones. */
export function setAllRoutine(mask: bigint, on: boolean): bigint {
  return on ? mask | ROUTINE_CATEGORIES : mask & ~ROUTINE_CATEGORIES;
}

export const hasSensitive = (mask: bigint) => (mask & SENSITIVE_CATEGORIES) !== 0n;

/** "2026-12-24" for a date input, in UTC like every date the portal shows. */
export function dateInputValue(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** The last second (UTC) of a "YYYY-MM-DD" day, so "until 24 Dec 2026" includes that whole day; undefined if invalid. */
export function endOfDay(date: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const start = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== date) return undefined;
  return start / 1000 + DAY - 1;
}

/** The expiry as a unix time, or undefined when a custom date is missing or invalid. */
export function expiresAtOf(expiry: ExpiryChoice, now: number): number | undefined {
  if (expiry.kind === "custom") return endOfDay(expiry.date);
  const preset = EXPIRY_PRESETS.find((p) => p.key === expiry.preset);
  return preset === undefined ? undefined : now + preset.seconds;
}

/**
 * The last second on which a custom date may start: a date ends at 23:59:59, so the last day whose end is at most
 * 10 × 365 days ahead starts no later than `now + MAX_CONSENT_DURATION - DAY + 1`.
 */
const lastCustomDayStart = (now: number) => now + MAX_CONSENT_DURATION - DAY + 1;

/** The bounds of the custom date input ("YYYY-MM-DD"): the first and last days whose end the contract accepts. */
export function customDateBounds(now: number): { min: string; max: string } {
  return { min: dateInputValue(now + 1), max: dateInputValue(lastCustomDayStart(now)) };
}

/** Every problem with the form, per field, in plain words; an empty object when it can be submitted. */
export function validateGrant(state: GrantFormState, context: GrantContext): GrantErrors {
  const errors: GrantErrors = {};
  if (state.grantee === "") errors.grantee = "Choose who should get access.";
  else if (!isAddress(state.grantee)) errors.grantee = "This is not a valid provider address.";
  else if (context.patient !== undefined && getAddress(state.grantee) === getAddress(context.patient))
    errors.grantee = "You cannot give access to yourself.";
  else if (context.providerStatus === "suspended")
    errors.grantee = "This provider is suspended by its registrar and cannot receive access now.";
  else if (context.providerStatus === "unregistered") errors.grantee = "This address is not a registered provider.";

  if (state.categories === 0n) errors.categories = "Choose at least one kind of data.";
  else if ((state.categories & ~DEFINED_CATEGORIES) !== 0n)
    errors.categories = "Some chosen kinds of data do not exist.";

  if ((state.actions & DEFINED_ACTIONS) === 0 || (state.actions & ~DEFINED_ACTIONS) !== 0)
    errors.actions = "Choose what the provider may do: read, add records, or both.";
  if ((state.purposes & DEFINED_PURPOSES) === 0 || (state.purposes & ~DEFINED_PURPOSES) !== 0)
    errors.purposes = "Choose at least one purpose.";

  const expiresAt = expiresAtOf(state.expiry, context.now);
  if (expiresAt === undefined) errors.expiry = "Choose an end date.";
  else if (expiresAt <= context.now) errors.expiry = "The end date must be in the future.";
  else if (expiresAt > context.now + MAX_CONSENT_DURATION)
    errors.expiry = `The end date can be at most 10 years ahead (${formatDate(lastCustomDayStart(context.now))}).`;
  return errors;
}

export const isValid = (errors: GrantErrors) => Object.keys(errors).length === 0;

/** The arguments of `grantConsent` (and the terms of `grantConsentBySig`); throws when the form is not valid. */
export function toGrantArgs(state: GrantFormState, context: GrantContext): GrantArgs {
  const errors = validateGrant(state, context);
  if (!isValid(errors)) throw new Error(Object.values(errors).join(" "));
  return {
    grantee: getAddress(state.grantee),
    categories: state.categories,
    actions: state.actions,
    purposes: state.purposes,
    expiresAt: expiresAtOf(state.expiry, context.now)!,
  };
}

/** `grantConsent(grantee, categories, actions, purposes, expiresAt)` as a tuple. */
export const grantConsentArgs = (args: GrantArgs) =>
  [args.grantee, args.categories, args.actions, args.purposes, args.expiresAt] as const;

/**
 * "your lab results and medications", "all your routine data and your mental health"; `owner` is the possessive
 * ("Bob's") when a delegate grants for a patient.
 */
export function describeYourData(categories: bigint, owner = "your"): string {
  const sensitive = categoriesOf(categories & SENSITIVE_CATEGORIES).map((c) => c.label);
  if (hasAllRoutine(categories)) {
    return sensitive.length === 0
      ? `all ${owner} routine data`
      : `all ${owner} routine data and ${owner} ${joinWords(sensitive)}`;
  }
  return `${owner} ${joinWords(categoriesOf(categories).map((c) => c.label))}`;
}

/** "Northside Family Practice will be able to read your lab results and medications for treatment until 24 Dec 2026" */
export function reviewSentence(providerName: string, args: Omit<GrantArgs, "grantee">, owner = "your"): string {
  return (
    `${providerName} will be able to ${describeActions(args.actions)} ${describeYourData(args.categories, owner)} ` +
    `for ${describePurposes(args.purposes)} until ${formatDate(args.expiresAt)}`
  );
}
