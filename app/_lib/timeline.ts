// The patient's audit timeline: decoded chain events in, entries in plain words out, and the filters by provider and
// by category. Pure: no React, no network; names come from a lookup the caller provides.
import type { Address, Hex } from "viem";
import { summarizeConsent, type PatientEvent } from "@/lib/consentClient";
import { CATEGORIES, EMERGENCY, PURPOSES, ROUTINE_CATEGORIES, joinWords } from "@/lib/consentCodes";
import { formatDateTime } from "@/lib/format";
import type { Disclosure } from "./gatewayClient";

export type TimelineKind =
  | "granted"
  | "changed"
  | "revoked"
  | "revokedAll"
  | "delegateAdded"
  | "delegateRemoved"
  | "emergencyOn"
  | "emergencyOff"
  | "emergencyUsed"
  | "signaturesCancelled"
  | "recordAdded"
  | "recordSuperseded"
  | "recordRead";

export interface TimelineEntry {
  /** Unique and stable: transaction hash and log index (chain events), or "read:" and the log's seq (reads). */
  id: string;
  kind: TimelineKind;
  timestamp: number;
  /** Undefined for a read: the gateway logs those off chain and anchors them in batches. */
  blockNumber?: bigint;
  transactionHash?: Hex;
  /** "Northside Family Practice was given access" */
  title: string;
  /** "It may read your lab results for treatment until 24 Dec 2026." */
  detail?: string;
  /** "by you", "by your delegate Carol", "by Riverside Laboratory" */
  byLine?: string;
  /** Emergency accesses stand out. */
  highlight: boolean;
  /** The providers this event concerns (for the provider filter). */
  providers: Address[];
  /** The data categories this event concerns (for the category filter); undefined: none (a setting). */
  categories?: bigint;
}

export interface TimelineOptions {
  /** A display name for an address (a provider's registry name, a known person), or undefined. */
  nameOf?: (address: Address) => string | undefined;
  /** A break-glass reason hash in plain words ("unconscious patient"), when the code is known. */
  describeReason?: (reasonHash: Hex) => string | undefined;
  /** The gateway's log of reads of the patient's records (any order), merged in by time. */
  disclosures?: readonly Disclosure[];
}

export interface TimelineFilter {
  /** Only events about this provider. */
  provider?: Address;
  /** Only events about this category (its bit number). */
  category?: number;
}

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

export const categoryLabel = (bit: number) => CATEGORIES.find((c) => c.bit === bit)?.label ?? `category ${bit}`;

interface LiveConsent {
  categories: bigint;
  expiresAt: number;
}

/**
 * Turns a patient's events (in any order) into timeline entries, newest first. A grant to a provider that still
 * held a live consent is a change; a revoke-all names the consents it ended.
 */
export function buildTimeline(
  events: readonly PatientEvent[],
  patient: Address,
  options: TimelineOptions = {},
): TimelineEntry[] {
  const name = (address: Address) => options.nameOf?.(address) || short(address);
  const ordered = [...events].sort((a, b) =>
    a.blockNumber === b.blockNumber
      ? (a.logIndex ?? 0) - (b.logIndex ?? 0)
      : (a.blockNumber ?? 0n) < (b.blockNumber ?? 0n)
        ? -1
        : 1,
  );

  const live = new Map<string, LiveConsent & { grantee: Address }>();
  const lastCategories = new Map<string, bigint>();
  const delegates = new Map<string, Address>();
  const records = new Map<bigint, { category: number; author: Address }>();
  const entries: TimelineEntry[] = [];

  const byLine = (by: Address) =>
    same(by, patient) ? "by you" : delegates.has(by.toLowerCase()) ? `by your delegate ${name(by)}` : `by ${name(by)}`;

  for (const event of ordered) {
    const base = {
      id: `${event.transactionHash}:${event.logIndex}`,
      timestamp: event.timestamp,
      blockNumber: event.blockNumber ?? 0n,
      transactionHash: event.transactionHash ?? ("0x" as Hex),
      highlight: false,
    };
    const push = (entry: Omit<TimelineEntry, keyof typeof base> & { highlight?: boolean }) =>
      entries.push({ ...base, ...entry });

    switch (event.eventName) {
      case "ConsentGranted": {
        const { grantee, categories, actions, purposes, expiresAt, by } = event.args;
        const key = grantee.toLowerCase();
        const previous = live.get(key);
        const changed = previous !== undefined && previous.expiresAt > event.timestamp;
        const summary = summarizeConsent({ categories, actions, purposes, expiresAt }, "your");
        live.set(key, { grantee, categories, expiresAt });
        lastCategories.set(key, categories);
        push({
          kind: changed ? "changed" : "granted",
          title: changed ? `${name(grantee)}'s access was changed` : `${name(grantee)} was given access`,
          detail: changed ? `It ${summary.replace(/^may /, "may now ")}.` : `It ${summary}.`,
          byLine: byLine(by),
          providers: [grantee],
          categories: changed ? categories | previous.categories : categories,
        });
        break;
      }
      case "ConsentRevoked": {
        const { grantee, by } = event.args;
        const key = grantee.toLowerCase();
        live.delete(key);
        push({
          kind: "revoked",
          title: `${name(grantee)}'s access was revoked`,
          detail: "From then on it could no longer read or add records. What it had already read cannot be un-read.",
          byLine: byLine(by),
          providers: [grantee],
          categories: lastCategories.get(key),
        });
        break;
      }
      case "AllConsentsRevoked": {
        const ended = [...live.values()].filter((c) => c.expiresAt > event.timestamp);
        // Revoke-all also removes every delegate (ConsentRegistry counts a delegate only in the epoch it was set in).
        const removed = [...delegates.values()];
        live.clear();
        delegates.clear();
        push({
          kind: "revokedAll",
          title: "Every consent was revoked",
          detail: [
            ended.length === 0
              ? "No consent was active at the time."
              : `${joinWords(ended.map((c) => name(c.grantee)))} lost access at once. What they had already read cannot be un-read.`,
            removed.length === 0
              ? undefined
              : `${joinWords(removed.map(name))} ${removed.length === 1 ? "is" : "are"} no longer your ` +
                `${removed.length === 1 ? "delegate" : "delegates"}.`,
            "Signatures you had given and nobody had used yet were cancelled.",
          ]
            .filter((sentence) => sentence !== undefined)
            .join(" "),
          byLine: "by you",
          providers: ended.map((c) => c.grantee),
          categories: ended.reduce((mask, c) => mask | c.categories, 0n),
        });
        break;
      }
      case "DelegateSet": {
        const { delegate, allowed } = event.args;
        if (allowed) delegates.set(delegate.toLowerCase(), delegate);
        else delegates.delete(delegate.toLowerCase());
        push({
          kind: allowed ? "delegateAdded" : "delegateRemoved",
          title: allowed ? `${name(delegate)} became your delegate` : `${name(delegate)} is no longer your delegate`,
          detail: allowed
            ? "A delegate may grant and revoke consents for you."
            : "They can no longer grant or revoke consents for you.",
          byLine: "by you",
          providers: [],
        });
        break;
      }
      case "EmergencyAccessSet": {
        const { allowed } = event.args;
        push({
          kind: allowed ? "emergencyOn" : "emergencyOff",
          title: allowed ? "Emergency access turned on" : "Emergency access turned off",
          detail: allowed
            ? "An emergency-capable provider may read your routine data for 24 hours in an emergency."
            : "No provider may use emergency access; any emergency access still open ended.",
          byLine: "by you",
          providers: [],
        });
        break;
      }
      case "EmergencyAccessUsed": {
        const { grantee, reasonHash, expiresAt } = event.args;
        const reason = options.describeReason?.(reasonHash);
        push({
          kind: "emergencyUsed",
          title: `Emergency access used by ${name(grantee)}`,
          detail:
            `It could read your routine data (never the sensitive categories) for emergency care until ` +
            `${formatDateTime(expiresAt)}.` +
            (reason ? ` Reason given: ${reason}.` : ""),
          highlight: true,
          providers: [grantee],
          categories: ROUTINE_CATEGORIES,
        });
        break;
      }
      case "NonceUsed": {
        push({
          kind: "signaturesCancelled",
          title: "Unused signatures were cancelled",
          detail: "Consents you had signed but nobody had submitted yet can no longer be used.",
          byLine: "by you",
          providers: [],
        });
        break;
      }
      case "RecordAdded": {
        const { recordId, author, category } = event.args;
        records.set(recordId, { category, author });
        const byPatient = same(author, patient);
        push({
          kind: "recordAdded",
          title: `Record ${recordId} added: ${categoryLabel(category)}`,
          byLine: byPatient ? "by you" : `by ${name(author)}`,
          providers: byPatient ? [] : [author],
          categories: 1n << BigInt(category),
        });
        break;
      }
      case "RecordSuperseded": {
        const { recordId, newRecordId } = event.args;
        const old = records.get(recordId);
        const amendment = records.get(newRecordId);
        const author = amendment?.author;
        const byPatient = author === undefined || same(author, patient);
        push({
          kind: "recordSuperseded",
          title: `Record ${recordId}${old ? ` (${categoryLabel(old.category)})` : ""} was amended by record ${newRecordId}`,
          detail: "The earlier version stays on record; the new one replaces it.",
          byLine: author === undefined ? undefined : byPatient ? "by you" : `by ${name(author)}`,
          providers: byPatient ? [] : [author],
          categories: old === undefined ? undefined : 1n << BigInt(old.category),
        });
        break;
      }
    }
  }
  const reads = (options.disclosures ?? []).map((d) => readEntry(d, patient, name, records));
  return mergeNewestFirst(entries.reverse(), reads);
}

const purposeLabel = (bit: number) => PURPOSES.find((p) => p.bit === bit)?.label ?? `purpose ${bit}`;

/** A read the gateway served, in the timeline's words; its category comes from the record's RecordAdded event. */
function readEntry(
  read: Disclosure,
  patient: Address,
  name: (address: Address) => string,
  records: ReadonlyMap<bigint, { category: number }>,
): TimelineEntry {
  const recordId = BigInt(read.recordId);
  const category = records.get(recordId)?.category;
  const byPatient = same(read.reader, patient);
  // A break-glass read (purpose emergency) by someone else stands out like the break-glass itself.
  const emergency = read.purpose === EMERGENCY && !byPatient;
  return {
    id: `read:${read.id}`,
    kind: "recordRead",
    timestamp: read.servedAt,
    title: `${byPatient ? "You" : name(read.reader)} read record ${recordId}${category === undefined ? "" : ` (${categoryLabel(category)})`}${emergency ? " in an emergency" : ""}`,
    detail:
      (emergency
        ? "For emergency care, through emergency access, without your consent. "
        : `For ${purposeLabel(read.purpose)}. `) +
      "Logged by the gateway before the file was handed out" +
      (read.anchor ? ", and anchored on the chain." : "; not anchored on the chain yet."),
    highlight: emergency,
    providers: byPatient ? [] : [read.reader],
    categories: category === undefined ? undefined : 1n << BigInt(category),
  };
}

/** Two newest-first lists as one; at the same second, the read comes first (it happened after what allowed it). */
function mergeNewestFirst(chain: TimelineEntry[], reads: TimelineEntry[]): TimelineEntry[] {
  if (reads.length === 0) return chain;
  const sortedReads = [...reads].sort((a, b) => b.timestamp - a.timestamp);
  const merged: TimelineEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < chain.length || j < sortedReads.length) {
    if (j < sortedReads.length && (i >= chain.length || sortedReads[j].timestamp >= chain[i].timestamp))
      merged.push(sortedReads[j++]);
    else merged.push(chain[i++]);
  }
  return merged;
}

/** The entries that concern the chosen provider and category (both optional). */
export function filterTimeline(entries: readonly TimelineEntry[], filter: TimelineFilter): TimelineEntry[] {
  return entries.filter(
    (entry) =>
      (filter.provider === undefined || entry.providers.some((p) => same(p, filter.provider))) &&
      (filter.category === undefined ||
        (entry.categories !== undefined && ((entry.categories >> BigInt(filter.category)) & 1n) === 1n)),
  );
}

/** Every provider that appears in the entries, once, in order of first appearance (newest first). */
export function timelineProviders(entries: readonly TimelineEntry[]): Address[] {
  const seen = new Map<string, Address>();
  for (const entry of entries)
    for (const p of entry.providers) if (!seen.has(p.toLowerCase())) seen.set(p.toLowerCase(), p);
  return [...seen.values()];
}

/**
 * Delegates named in DelegateSet events whose latest event added them since the last revoke-all, which removes every
 * delegate (confirm with `isDelegate` on chain). Events in chain order.
 */
export function latestDelegates(events: readonly PatientEvent[]): Address[] {
  const latest = new Map<string, { delegate: Address; allowed: boolean }>();
  for (const event of events) {
    if (event.eventName === "AllConsentsRevoked") latest.clear();
    if (event.eventName !== "DelegateSet") continue;
    latest.set(event.args.delegate.toLowerCase(), { delegate: event.args.delegate, allowed: event.args.allowed });
  }
  return [...latest.values()].filter((d) => d.allowed).map((d) => d.delegate);
}

/** Emergency accesses whose window had not closed at `now` (turning emergency access off ends them: confirm on chain). */
export function openEmergencyAccesses(
  events: readonly PatientEvent[],
  now: number,
): { grantee: Address; expiresAt: number }[] {
  const open = new Map<string, { grantee: Address; expiresAt: number }>();
  for (const event of events) {
    if (event.eventName === "EmergencyAccessUsed" && event.args.expiresAt > now) {
      open.set(event.args.grantee.toLowerCase(), { grantee: event.args.grantee, expiresAt: event.args.expiresAt });
    }
    if (event.eventName === "EmergencyAccessSet" && !event.args.allowed) open.clear();
  }
  return [...open.values()];
}
