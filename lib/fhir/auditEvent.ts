// The gateway's disclosure log and the chain's consent events as FHIR R4 AuditEvents: who, what, when, why and the
// outcome, with an anchored disclosure's Merkle root and proof as its evidence. Pure functions, no Node APIs.
import type { AuditEvent, AuditEventAgent, AuditEventEntity, CodeableConcept, Coding } from "fhir/r4";
import type { Address, Hex } from "viem";
import { EMERGENCY } from "@/lib/consentCodes";
import type { ListedDisclosure } from "@/lib/vault/disclosureProof";
import {
  CONSENT_EVENT_SYSTEM,
  CONSENT_EVENT_TYPE,
  CONSENT_EVENTS,
  DOMAIN_RESOURCE_ROLE,
  INFORMATION_RECIPIENT,
  OTHER_SOURCE,
  PATIENT_ROLE,
  PERSON_ENTITY,
  purposesToCodings,
  READ_SUBTYPE,
  RECORD_SYSTEM,
  REST_TYPE,
  SECURITY_RESOURCE_ROLE,
  SYSTEM_OBJECT_ENTITY,
  TRANSACTION_SYSTEM,
  URI_SYSTEM,
  WEB_SERVER_SOURCE,
  type ConsentEventName,
} from "./codes";
import { accountReference, fhirDateTime } from "./consent";
import { consentId, emergencyConsentId } from "./ids";

export interface AuditContext {
  chainId: number;
  consentRegistry: Address;
  recordRegistry: Address;
  disclosureLog?: Address;
  /** The gateway's public origin: the observer of every disclosure. */
  gatewayOrigin: string;
  /** A registered provider's public name, for agents' display. */
  nameOf(address: Address): string | undefined;
}

interface ChainEventBase {
  patient: Address;
  blockNumber: bigint;
  logIndex: number;
  transactionHash: Hex;
  /** The block's time, seconds. */
  timestamp: number;
}

/** The consent events of ConsentRegistry, decoded. */
export type ConsentChainEvent = ChainEventBase &
  (
    | {
        name: "ConsentGranted";
        grantee: Address;
        categories: bigint;
        actions: number;
        purposes: number;
        expiresAt: number;
        by: Address;
      }
    | { name: "ConsentRevoked"; grantee: Address; by: Address }
    | { name: "AllConsentsRevoked"; epoch: number }
    | { name: "EmergencyAccessUsed"; grantee: Address; reasonHash: Hex; expiresAt: number }
    | { name: "EmergencyAccessSet"; allowed: boolean }
    | { name: "DelegateSet"; delegate: Address; allowed: boolean }
  );

const patientEntity = (patient: Address): AuditEventEntity => ({
  what: accountReference(patient),
  type: PERSON_ENTITY,
  role: PATIENT_ROLE,
});

const agent = (
  context: AuditContext,
  address: Address,
  requestor: boolean,
  type?: CodeableConcept,
): AuditEventAgent => ({
  ...(type === undefined ? {} : { type }),
  who: accountReference(address, context.nameOf(address)),
  requestor,
});

const purposeOfEvent = (mask: number): CodeableConcept[] =>
  purposesToCodings(mask).map((coding) => ({ coding: [coding] }));

/** The record a disclosure served, named across chains: eip155:<chain>:<RecordRegistry>/<patient>/<recordId>. */
export const recordIdentifier = (
  context: Pick<AuditContext, "chainId" | "recordRegistry">,
  patient: Address,
  id: string,
) => `eip155:${context.chainId}:${context.recordRegistry}/${patient}/${id}`;

/** One served read of the disclosure log. */
export function disclosureAuditEvent(context: AuditContext, disclosure: ListedDisclosure): AuditEvent {
  const { anchor } = disclosure;
  const detail: NonNullable<AuditEventEntity["detail"]> = [
    { type: "disclosure-id", valueString: String(disclosure.id) },
    { type: "request-id", valueString: disclosure.requestId },
  ];
  // The log sequence number exists once the read's batch is planned; the decision block for reads logged since.
  if (disclosure.seq !== null) detail.push({ type: "disclosure-seq", valueString: String(disclosure.seq) });
  if (disclosure.decisionBlock !== null) {
    detail.push({ type: "decision-block", valueString: String(disclosure.decisionBlock) });
  }
  if (anchor !== null) {
    detail.push(
      { type: "merkle-root", valueString: anchor.root },
      { type: "merkle-proof", valueString: anchor.proof.join(",") },
      { type: "anchor-batch", valueString: `${anchor.fromSeq}-${anchor.toSeq}` },
      { type: "anchor-transaction", valueString: anchor.txHash },
    );
    if (context.disclosureLog !== undefined) {
      detail.push({ type: "disclosure-log", valueString: `eip155:${context.chainId}:${context.disclosureLog}` });
    }
  }
  return {
    resourceType: "AuditEvent",
    id: `disclosure-${disclosure.id}`,
    type: REST_TYPE,
    subtype: [READ_SUBTYPE],
    action: "R",
    recorded: fhirDateTime(disclosure.servedAt),
    outcome: "0",
    purposeOfEvent: purposeOfEvent(disclosure.purpose),
    agent: [agent(context, disclosure.reader, true)],
    source: {
      observer: { identifier: { system: URI_SYSTEM, value: context.gatewayOrigin }, display: "MedConsent gateway" },
      type: [WEB_SERVER_SOURCE],
    },
    entity: [
      {
        what: {
          identifier: {
            system: RECORD_SYSTEM,
            value: recordIdentifier(context, disclosure.patient, disclosure.recordId),
          },
        },
        type: SYSTEM_OBJECT_ENTITY,
        role: DOMAIN_RESOURCE_ROLE,
        detail,
      },
      patientEntity(disclosure.patient),
    ],
  };
}

/** Who sent the transaction (the requestor), and who else it concerns. */
function agentsOf(context: AuditContext, event: ConsentChainEvent): AuditEventAgent[] {
  switch (event.name) {
    case "ConsentGranted":
    case "ConsentRevoked":
      return [agent(context, event.by, true), agent(context, event.grantee, false, INFORMATION_RECIPIENT)];
    case "EmergencyAccessUsed":
      return [agent(context, event.grantee, true)];
    case "DelegateSet":
      return [agent(context, event.patient, true), agent(context, event.delegate, false)];
    case "AllConsentsRevoked":
    case "EmergencyAccessSet":
      return [agent(context, event.patient, true)];
  }
}

/** The Consent resource the event changed, if it maps to one. */
function consentOf(event: ConsentChainEvent): string | undefined {
  if (event.name === "ConsentGranted" || event.name === "ConsentRevoked") {
    return `Consent/${consentId({ patient: event.patient, grantee: event.grantee })}`;
  }
  if (event.name === "EmergencyAccessUsed") {
    return `Consent/${emergencyConsentId({ patient: event.patient, grantee: event.grantee })}`;
  }
  return undefined;
}

function describe(event: ConsentChainEvent): string {
  switch (event.name) {
    case "ConsentGranted":
      return `consent granted until ${fhirDateTime(event.expiresAt)}`;
    case "ConsentRevoked":
      return "consent revoked";
    case "AllConsentsRevoked":
      return `all consents revoked (epoch ${event.epoch})`;
    case "EmergencyAccessUsed":
      return `emergency access until ${fhirDateTime(event.expiresAt)} (reason ${event.reasonHash})`;
    case "EmergencyAccessSet":
      return event.allowed ? "emergency access allowed" : "emergency access refused";
    case "DelegateSet":
      return event.allowed ? "delegate allowed" : "delegate removed";
  }
}

/** One ConsentRegistry event (a transaction on chain) as an AuditEvent. */
export function consentAuditEvent(context: AuditContext, event: ConsentChainEvent): AuditEvent {
  const subtype: Coding = {
    system: CONSENT_EVENT_SYSTEM,
    code: event.name,
    display: CONSENT_EVENTS[event.name].display,
  };
  const purposes =
    event.name === "ConsentGranted" ? event.purposes : event.name === "EmergencyAccessUsed" ? EMERGENCY : 0;
  const consent = consentOf(event);
  const entity: AuditEventEntity[] = [
    {
      what: { identifier: { system: TRANSACTION_SYSTEM, value: event.transactionHash } },
      type: SYSTEM_OBJECT_ENTITY,
      description: describe(event),
      detail: [
        { type: "block-number", valueString: event.blockNumber.toString() },
        { type: "log-index", valueString: String(event.logIndex) },
      ],
    },
    ...(consent === undefined
      ? []
      : [{ what: { reference: consent }, type: SYSTEM_OBJECT_ENTITY, role: SECURITY_RESOURCE_ROLE }]),
    patientEntity(event.patient),
  ];
  return {
    resourceType: "AuditEvent",
    id: `chain-${event.blockNumber}-${event.logIndex}`,
    type: CONSENT_EVENT_TYPE,
    subtype: [subtype],
    action: CONSENT_EVENTS[event.name].action,
    recorded: fhirDateTime(event.timestamp),
    outcome: "0",
    ...(purposes === 0 ? {} : { purposeOfEvent: purposeOfEvent(purposes) }),
    agent: agentsOf(context, event),
    source: {
      observer: {
        identifier: { system: URI_SYSTEM, value: `eip155:${context.chainId}:${context.consentRegistry}` },
        display: "MedConsent ConsentRegistry",
      },
      type: [OTHER_SOURCE],
    },
    entity,
  };
}

export const CONSENT_EVENT_NAMES = Object.keys(CONSENT_EVENTS) as ConsentEventName[];
