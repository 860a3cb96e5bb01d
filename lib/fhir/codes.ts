// The FHIR R4 codes MedConsent's chain data maps to: one source of truth for the Consent and AuditEvent mappings, the
// tests' round trips and the README's table. Isomorphic, no Node APIs.
import type { Coding, CodeableConcept } from "fhir/r4";
import { ACTIONS, APPEND, CATEGORIES, PROVIDER_KINDS, PURPOSES, READ, type CategoryInfo } from "@/lib/consentCodes";

// ---- Code systems ----------------------------------------------------------------------------------------------

export const ACT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
export const CONSENT_ACTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentaction";
export const ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
export const PARTICIPATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
export const CONSENT_SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope";
export const LOINC_SYSTEM = "http://loinc.org";
export const AUDIT_EVENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/audit-event-type";
export const RESTFUL_INTERACTION_SYSTEM = "http://hl7.org/fhir/restful-interaction";
export const DICOM_SYSTEM = "http://dicom.nema.org/resources/ontology/DCM";
export const AUDIT_ENTITY_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
export const OBJECT_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/object-role";
export const SECURITY_SOURCE_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/security-source-type";
/** RFC 3986: the identifier's value is itself a URI (an origin, an `eip155:` contract id). */
export const URI_SYSTEM = "urn:ietf:rfc:3986";

/** MedConsent's own systems, for what HL7 has no code for. */
export const MEDCONSENT_FHIR = "https://medconsent.dev/fhir";
export const DATA_CATEGORY_SYSTEM = `${MEDCONSENT_FHIR}/CodeSystem/data-category`;
export const CONSENT_EVENT_SYSTEM = `${MEDCONSENT_FHIR}/CodeSystem/consent-event`;
export const EMERGENCY_REASON_SYSTEM = `${MEDCONSENT_FHIR}/CodeSystem/emergency-reason`;
export const GATEWAY_ERROR_SYSTEM = `${MEDCONSENT_FHIR}/CodeSystem/gateway-error`;
/** Accounts (patients, providers, delegates, readers) are identified by their checksummed 0x address. */
export const ADDRESS_SYSTEM = `${MEDCONSENT_FHIR}/address`;
export const RECORD_SYSTEM = `${MEDCONSENT_FHIR}/record`;
export const TRANSACTION_SYSTEM = `${MEDCONSENT_FHIR}/transaction`;
export const REVOCATION_EXTENSION = `${MEDCONSENT_FHIR}/StructureDefinition/revocation`;
export const EMERGENCY_EXTENSION = `${MEDCONSENT_FHIR}/StructureDefinition/emergency-access`;

// ---- Fixed codings -------------------------------------------------------------------------------------------------

export const PATIENT_PRIVACY_SCOPE: CodeableConcept = {
  coding: [{ system: CONSENT_SCOPE_SYSTEM, code: "patient-privacy", display: "Privacy Consent" }],
};
export const PATIENT_CONSENT_CATEGORY: CodeableConcept = {
  coding: [{ system: LOINC_SYSTEM, code: "59284-0", display: "Patient Consent" }],
};
/** The grantee's role in a consent: information recipient. */
export const INFORMATION_RECIPIENT: CodeableConcept = {
  coding: [{ system: PARTICIPATION_TYPE_SYSTEM, code: "IRCP", display: "information recipient" }],
};

// ---- Purposes: bit ↔ v3-ActReason ---------------------------------------------------------------------------

const PURPOSE_DISPLAYS: Record<string, string> = {
  TREAT: "treatment",
  HPAYMT: "healthcare payment",
  HOPERAT: "healthcare operations",
  HRESCH: "healthcare research",
  PUBHLTH: "public health",
  ETREAT: "Emergency Treatment",
};

/** One purpose bit → its v3-ActReason coding. */
export function purposeToCoding(bit: number): Coding {
  const purpose = PURPOSES.find((p) => p.bit === bit);
  if (purpose === undefined) throw new RangeError(`${bit} is not a single purpose bit.`);
  return { system: ACT_REASON_SYSTEM, code: purpose.hl7, display: PURPOSE_DISPLAYS[purpose.hl7] };
}

/** A v3-ActReason coding → its purpose bit; undefined for any other coding. */
export function codingToPurpose(coding: Coding): number | undefined {
  if (coding.system !== ACT_REASON_SYSTEM) return undefined;
  return PURPOSES.find((p) => p.hl7 === coding.code)?.bit;
}

/** A purpose mask → one coding per purpose, in bit order. */
export const purposesToCodings = (mask: number): Coding[] =>
  PURPOSES.filter((p) => mask & p.bit).map((p) => purposeToCoding(p.bit));

export const codingsToPurposes = (codings: readonly Coding[]): number =>
  codings.reduce((mask, coding) => mask | (codingToPurpose(coding) ?? 0), 0);

// ---- Actions: READ → access, APPEND → collect and correct ----------------------------------------------------

/** The consentaction codes each action bit stands for (APPEND adds records: collecting and correcting data). */
export const ACTION_CODES: Record<number, readonly { code: string; display: string }[]> = {
  [READ]: [{ code: "access", display: "Access" }],
  [APPEND]: [
    { code: "collect", display: "Collect" },
    { code: "correct", display: "Access and Correct" },
  ],
};

/** An action mask → provision.action, one CodeableConcept per consentaction code. */
export function actionsToCodings(mask: number): CodeableConcept[] {
  return ACTIONS.filter((a) => mask & a.bit).flatMap((a) =>
    ACTION_CODES[a.bit].map(({ code, display }) => ({
      coding: [{ system: CONSENT_ACTION_SYSTEM, code, display }],
    })),
  );
}

/** provision.action → the action mask; an action counts only when all its codes are present. */
export function codingsToActions(actions: readonly CodeableConcept[]): number {
  const codes = new Set(
    actions.flatMap((a) => a.coding ?? []).flatMap((c) => (c.system === CONSENT_ACTION_SYSTEM ? [c.code] : [])),
  );
  return ACTIONS.reduce(
    (mask, a) => (ACTION_CODES[a.bit].every(({ code }) => codes.has(code)) ? mask | a.bit : mask),
    0,
  );
}

// ---- Categories: bit ↔ provision.class, sensitive ones also as security labels ------------------------------------

/** The v3-ActCode information-sensitivity label of each sensitive category. */
export const SENSITIVITY_LABELS: Record<string, { code: string; display: string }> = {
  "mental-health": { code: "PSY", display: "psychiatry information sensitivity" },
  "substance-use": { code: "ETH", display: "substance abuse information sensitivity" },
  "sexual-reproductive-health": { code: "SEX", display: "sexuality and reproductive health information sensitivity" },
  "genetic-data": { code: "GDIS", display: "genetic disease information sensitivity" },
  "infectious-disease": { code: "HIV", display: "HIV/AIDS information sensitivity" },
};

const inMask = (mask: bigint, category: CategoryInfo) => ((mask >> BigInt(category.bit)) & 1n) === 1n;

/** A category mask → provision.class codings, in bit order. */
export const categoriesToClasses = (mask: bigint): Coding[] =>
  CATEGORIES.filter((c) => inMask(mask, c)).map((c) => ({
    system: DATA_CATEGORY_SYSTEM,
    code: c.key,
    display: c.label,
  }));

export function classesToCategories(classes: readonly Coding[]): bigint {
  let mask = 0n;
  for (const coding of classes) {
    const category = coding.system === DATA_CATEGORY_SYSTEM ? CATEGORIES.find((c) => c.key === coding.code) : undefined;
    if (category !== undefined) mask |= 1n << BigInt(category.bit);
  }
  return mask;
}

/** The security labels of the sensitive categories in a mask (none for routine data). */
export const categoriesToSecurityLabels = (mask: bigint): Coding[] =>
  CATEGORIES.filter((c) => c.sensitive && inMask(mask, c)).map((c) => ({
    system: ACT_CODE_SYSTEM,
    ...SENSITIVITY_LABELS[c.key],
  }));

// ---- Providers: kind → the actor's resource type ----------------------------------------------------------------

export type ActorResourceType = "Practitioner" | "Organization";

/** A clinician is a Practitioner; organizations, laboratories, researchers and payers are Organizations. */
export const actorTypeOfKind = (kind: number): ActorResourceType =>
  PROVIDER_KINDS[kind] === "clinician" ? "Practitioner" : "Organization";

// ---- Chain events as AuditEvents ------------------------------------------------------------------------------------

export type ConsentEventName =
  | "ConsentGranted"
  | "ConsentRevoked"
  | "AllConsentsRevoked"
  | "EmergencyAccessUsed"
  | "EmergencyAccessSet"
  | "DelegateSet";

/**
 * Every consent event is a DICOM 110137 "User Security Attribute Changed" (who may see the patient's data changed),
 * told apart by its subtype (the event's name) and its action.
 */
export const CONSENT_EVENT_TYPE: Coding = {
  system: DICOM_SYSTEM,
  code: "110137",
  display: "User Security Attribute Changed",
};

export const CONSENT_EVENTS: Record<ConsentEventName, { action: "C" | "U" | "D" | "E"; display: string }> = {
  ConsentGranted: { action: "C", display: "consent granted" },
  ConsentRevoked: { action: "D", display: "consent revoked" },
  AllConsentsRevoked: { action: "D", display: "all consents revoked" },
  EmergencyAccessUsed: { action: "E", display: "emergency access used" },
  EmergencyAccessSet: { action: "U", display: "emergency access allowed or refused" },
  DelegateSet: { action: "U", display: "delegate allowed or removed" },
};

/** A gateway read of a record: a RESTful read. */
export const REST_TYPE: Coding = { system: AUDIT_EVENT_TYPE_SYSTEM, code: "rest", display: "RESTful Operation" };
export const READ_SUBTYPE: Coding = { system: RESTFUL_INTERACTION_SYSTEM, code: "read", display: "read" };

export const PERSON_ENTITY: Coding = { system: AUDIT_ENTITY_TYPE_SYSTEM, code: "1", display: "Person" };
export const SYSTEM_OBJECT_ENTITY: Coding = { system: AUDIT_ENTITY_TYPE_SYSTEM, code: "2", display: "System Object" };
export const PATIENT_ROLE: Coding = { system: OBJECT_ROLE_SYSTEM, code: "1", display: "Patient" };
export const DOMAIN_RESOURCE_ROLE: Coding = { system: OBJECT_ROLE_SYSTEM, code: "4", display: "Domain Resource" };
export const SECURITY_RESOURCE_ROLE: Coding = { system: OBJECT_ROLE_SYSTEM, code: "13", display: "Security Resource" };
export const WEB_SERVER_SOURCE: Coding = { system: SECURITY_SOURCE_TYPE_SYSTEM, code: "3", display: "Web Server" };
export const OTHER_SOURCE: Coding = { system: SECURITY_SOURCE_TYPE_SYSTEM, code: "9", display: "Other" };
