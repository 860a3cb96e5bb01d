// MedConsent consents as FHIR R4 Consent resources: pure functions from what the chain says (a consent's terms and
// state, its revocation, an emergency access) to the resource. The README's mapping table describes exactly this.
import type { Consent, ConsentPolicy, ConsentProvision, Extension, Reference } from "fhir/r4";
import type { Address, Hex } from "viem";
import { isRevoked, liveConsentState, type ConsentEntry, type ConsentState } from "@/lib/consentClient";
import { EMERGENCY, READ, ROUTINE_CATEGORIES } from "@/lib/consentCodes";
import {
  actionsToCodings,
  actorTypeOfKind,
  ADDRESS_SYSTEM,
  categoriesToClasses,
  categoriesToSecurityLabels,
  EMERGENCY_EXTENSION,
  EMERGENCY_REASON_SYSTEM,
  INFORMATION_RECIPIENT,
  PATIENT_CONSENT_CATEGORY,
  PATIENT_PRIVACY_SCOPE,
  purposesToCodings,
  REVOCATION_EXTENSION,
  type ActorResourceType,
} from "./codes";
import { consentId, emergencyConsentId } from "./ids";

/** Where the consent is kept: the ConsentRegistry on one chain. */
export interface ConsentLedger {
  chainId: number;
  consentRegistry: Address;
}

/** The registry's public record of a grantee (name "" when it never registered). */
export interface ProviderFacts {
  name: string;
  kind: number;
}

export interface Revocation {
  /** "revoke": this one consent; "revoke-all": every consent of the patient at once (a new epoch). */
  method: "revoke" | "revoke-all";
  /** Unix seconds (the revoking block's time). */
  at: number;
  /** Who sent it: the patient or their delegate. */
  by?: Address;
  transactionHash: Hex;
}

export interface ConsentFacts {
  ledger: ConsentLedger;
  consent: Pick<
    ConsentEntry,
    "patient" | "grantee" | "categories" | "actions" | "purposes" | "grantedAt" | "expiresAt" | "state" | "summary"
  >;
  grantee: ProviderFacts;
  /** Who granted the terms shown: the patient, or a delegate (a guardian) for them. */
  grantedBy?: Address;
  /** Set when the consent was revoked (state "revoked"). */
  revocation?: Revocation;
}

export interface EmergencyFacts {
  ledger: ConsentLedger;
  patient: Address;
  grantee: Address;
  provider: ProviderFacts;
  /** The EmergencyAccessUsed event: its block time, the window's end, the reason code's hash and the transaction. */
  usedAt: number;
  expiresAt: number;
  reasonHash: Hex;
  /** The listed reason code ("UNCONSCIOUS_PATIENT"), when the hash is one of the known ones. */
  reasonCode?: string;
  reasonLabel?: string;
  transactionHash: Hex;
  /** When the patient turned emergency access off during the window (it then closed early). */
  closedAt?: number;
  /** Chain time now, seconds. */
  now: number;
}

/** Seconds → FHIR dateTime/instant (UTC, with seconds). */
export const fhirDateTime = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** A logical reference to an account: its address as identifier, no resource behind it (and no personal data). */
export function accountReference(address: Address, display?: string, type?: string): Reference {
  return {
    ...(type === undefined ? {} : { type }),
    identifier: { system: ADDRESS_SYSTEM, value: address },
    ...(display === undefined || display === "" ? {} : { display }),
  };
}

/** A live consent (active or expiring) is active; an expired or revoked one inactive. */
export const fhirConsentStatus = (state: ConsentState): "active" | "inactive" =>
  state === "active" || state === "expiring" ? "active" : "inactive";

/**
 * The status from the stored slot as the chain holds it: revoked when cleared (revokeConsent) or from an older epoch
 * (revokeAllConsents), expired from `expiresAt` on.
 */
export function consentStatusOf(
  stored: { expiresAt: number; epoch: number },
  currentEpoch: number,
  now: number,
): "active" | "inactive" {
  return fhirConsentStatus(isRevoked(stored, currentEpoch) ? "revoked" : liveConsentState(stored.expiresAt, now));
}

export const ledgerPolicy = (ledger: ConsentLedger): ConsentPolicy => ({
  authority: "https://medconsent.dev",
  uri: `eip155:${ledger.chainId}:${ledger.consentRegistry}`,
});

function actor(address: Address, provider: ProviderFacts): ConsentProvision["actor"] {
  const type: ActorResourceType = actorTypeOfKind(provider.kind);
  return [{ role: INFORMATION_RECIPIENT, reference: accountReference(address, provider.name, type) }];
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const narrative = (text: string): Consent["text"] => ({
  status: "generated",
  div: `<div xmlns="http://www.w3.org/1999/xhtml">${escapeHtml(text)}</div>`,
});

function revocationExtension(revocation: Revocation, grantedUntil: number): Extension {
  return {
    url: REVOCATION_EXTENSION,
    extension: [
      { url: "method", valueCode: revocation.method },
      { url: "revokedAt", valueDateTime: fhirDateTime(revocation.at) },
      { url: "grantedUntil", valueDateTime: fhirDateTime(grantedUntil) },
      ...(revocation.by === undefined ? [] : [{ url: "revokedBy", valueString: revocation.by }]),
      { url: "transaction", valueString: revocation.transactionHash },
    ],
  };
}

/** One (patient, grantee) consent as a FHIR Consent. */
export function toFhirConsent(facts: ConsentFacts): Consent {
  const { consent, grantee, ledger, revocation } = facts;
  const revoked = consent.state === "revoked";
  // A revoked consent's permission ended when it was revoked, if that came before its expiry.
  const end =
    revoked && revocation !== undefined ? Math.min(consent.expiresAt, revocation.at) : Number(consent.expiresAt);
  const securityLabel = categoriesToSecurityLabels(consent.categories);
  const who = grantee.name === "" ? consent.grantee : grantee.name;
  const ended = revoked
    ? revocation?.method === "revoke-all"
      ? ` Revoked on ${fhirDateTime(revocation.at)} when the patient revoked all consents.`
      : revocation !== undefined
        ? ` Revoked on ${fhirDateTime(revocation.at)}.`
        : " Revoked."
    : consent.state === "expired"
      ? " Expired."
      : "";
  return {
    resourceType: "Consent",
    id: consentId(consent),
    text: narrative(`${who} ${consent.summary}.${ended}`),
    ...(revoked && revocation !== undefined ? { extension: [revocationExtension(revocation, consent.expiresAt)] } : {}),
    status: fhirConsentStatus(consent.state),
    scope: PATIENT_PRIVACY_SCOPE,
    category: [PATIENT_CONSENT_CATEGORY],
    patient: accountReference(consent.patient),
    dateTime: fhirDateTime(consent.grantedAt),
    ...(facts.grantedBy === undefined ? {} : { performer: [accountReference(facts.grantedBy)] }),
    policy: [ledgerPolicy(ledger)],
    provision: {
      type: "permit",
      period: { start: fhirDateTime(consent.grantedAt), end: fhirDateTime(end) },
      actor: actor(consent.grantee, grantee),
      action: actionsToCodings(consent.actions),
      ...(securityLabel.length === 0 ? {} : { securityLabel }),
      purpose: purposesToCodings(consent.purposes),
      class: categoriesToClasses(consent.categories),
    },
  };
}

/** Open while the chain's clock is inside the window and the patient has not turned emergency access off. */
export const emergencyWindowOpen = (facts: Pick<EmergencyFacts, "now" | "expiresAt" | "closedAt">) =>
  facts.closedAt === undefined && facts.now < facts.expiresAt;

/**
 * A provider's break-glass as its own Consent: a permit to read the patient's routine data (never the sensitive
 * categories) for emergency treatment during the 24-hour window; active while the window is open.
 */
export function toEmergencyConsent(facts: EmergencyFacts): Consent {
  const end = facts.closedAt === undefined ? facts.expiresAt : Math.min(facts.closedAt, facts.expiresAt);
  const who = facts.provider.name === "" ? facts.grantee : facts.provider.name;
  const reason = facts.reasonLabel ?? "an emergency";
  return {
    resourceType: "Consent",
    id: emergencyConsentId(facts),
    text: narrative(
      `${who} used emergency access (${reason}) to read routine data for emergency care until ${fhirDateTime(end)}.`,
    ),
    extension: [
      {
        url: EMERGENCY_EXTENSION,
        extension: [
          facts.reasonCode === undefined
            ? { url: "reasonHash", valueString: facts.reasonHash }
            : {
                url: "reason",
                valueCoding: { system: EMERGENCY_REASON_SYSTEM, code: facts.reasonCode, display: facts.reasonLabel },
              },
          { url: "transaction", valueString: facts.transactionHash },
          ...(facts.closedAt === undefined ? [] : [{ url: "closedAt", valueDateTime: fhirDateTime(facts.closedAt) }]),
        ],
      },
    ],
    status: emergencyWindowOpen(facts) ? "active" : "inactive",
    scope: PATIENT_PRIVACY_SCOPE,
    category: [PATIENT_CONSENT_CATEGORY],
    patient: accountReference(facts.patient),
    dateTime: fhirDateTime(facts.usedAt),
    policy: [ledgerPolicy(facts.ledger)],
    provision: {
      type: "permit",
      period: { start: fhirDateTime(facts.usedAt), end: fhirDateTime(end) },
      actor: actor(facts.grantee, facts.provider),
      action: actionsToCodings(READ),
      purpose: purposesToCodings(EMERGENCY),
      class: categoriesToClasses(ROUTINE_CATEGORIES),
    },
  };
}
