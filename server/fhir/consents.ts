// A patient's consents as FHIR Consents, built from the chain: one per (patient, grantee) ever granted, with its
// revocation (one consent, or all at once) when revoked, plus one per provider that used emergency access.
import "server-only";
import type { Consent } from "fhir/r4";
import type { Address } from "viem";
import { emergencyReasonOf } from "@/lib/emergency";
import type { ConsentChainEvent } from "@/lib/fhir/auditEvent";
import {
  toEmergencyConsent,
  toFhirConsent,
  type ConsentLedger,
  type EmergencyFacts,
  type Revocation,
} from "@/lib/fhir/consent";
import type { Gateway } from "@/server/gateway/context";
import { failClosed } from "@/server/gateway/chain/chainReads";
import { chainNow, consentEventsOf, currentToOf, providerFacts, type AnswerCurrentTo } from "./chain";

type Event<N extends ConsentChainEvent["name"]> = Extract<ConsentChainEvent, { name: N }>;

export const ledgerOf = (gateway: Gateway): ConsentLedger => ({
  chainId: gateway.config.chainId,
  consentRegistry: gateway.config.addresses.consentRegistry,
});

/** The first revocation after the pair's last grant: its own ConsentRevoked, or the patient's AllConsentsRevoked. */
function revocationAfter(events: ConsentChainEvent[], grantIndex: number, grantee: Address): Revocation | undefined {
  for (const event of events.slice(grantIndex + 1)) {
    if (event.name === "ConsentRevoked" && event.grantee === grantee) {
      return { method: "revoke", at: event.timestamp, by: event.by, transactionHash: event.transactionHash };
    }
    if (event.name === "AllConsentsRevoked") {
      return { method: "revoke-all", at: event.timestamp, by: event.patient, transactionHash: event.transactionHash };
    }
  }
  return undefined;
}

function lastGrantIndex(events: ConsentChainEvent[], grantee: Address): number {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event.name === "ConsentGranted" && event.grantee === grantee) return i;
  }
  return -1;
}

/** Each provider's latest break-glass, and whether the patient closed its window early. */
function emergencyAccesses(events: ConsentChainEvent[]) {
  const latest = new Map<Address, { used: Event<"EmergencyAccessUsed">; closedAt?: number }>();
  events.forEach((event, index) => {
    if (event.name !== "EmergencyAccessUsed") return;
    const closing = events
      .slice(index + 1)
      .find(
        (later): later is Event<"EmergencyAccessSet"> =>
          later.name === "EmergencyAccessSet" && !later.allowed && later.timestamp < event.expiresAt,
      );
    latest.set(event.grantee, { used: event, closedAt: closing?.timestamp });
  });
  return [...latest.values()];
}

/**
 * Every Consent of `patient`: grants newest first, then emergency accesses newest first; with the block the lists
 * they are built from are current to.
 */
export async function patientConsents(
  gateway: Gateway,
  patient: Address,
): Promise<{ consents: Consent[]; currentTo: AnswerCurrentTo }> {
  const [entries, events, now] = await Promise.all([
    failClosed("FHIR chain read", () => gateway.consentClient.listConsents({ patient })),
    consentEventsOf(gateway, patient),
    chainNow(gateway),
  ]);
  const emergencies = emergencyAccesses(events);
  const providers = await providerFacts(gateway, [
    ...entries.map((e) => e.grantee),
    ...emergencies.map((e) => e.used.grantee),
  ]);
  const ledger = ledgerOf(gateway);

  const grants = entries
    .sort((a, b) => b.grantedAt - a.grantedAt)
    .map((entry) => {
      const grantIndex = lastGrantIndex(events, entry.grantee);
      const grant = events[grantIndex] as Event<"ConsentGranted"> | undefined;
      return toFhirConsent({
        ledger,
        consent: entry,
        grantee: providers.get(entry.grantee) ?? { name: "", kind: 1 },
        grantedBy: grant?.by,
        revocation:
          entry.state === "revoked" && grantIndex >= 0 ? revocationAfter(events, grantIndex, entry.grantee) : undefined,
      });
    });

  const emergency = emergencies
    .sort((a, b) => b.used.timestamp - a.used.timestamp)
    .map(({ used, closedAt }) => {
      const reason = emergencyReasonOf(used.reasonHash);
      const facts: EmergencyFacts = {
        ledger,
        patient,
        grantee: used.grantee,
        provider: providers.get(used.grantee) ?? { name: "", kind: 1 },
        usedAt: used.timestamp,
        expiresAt: used.expiresAt,
        reasonHash: used.reasonHash,
        reasonCode: reason?.code,
        reasonLabel: reason?.label,
        transactionHash: used.transactionHash,
        closedAt,
        now,
      };
      return toEmergencyConsent(facts);
    });
  return {
    consents: [...grants, ...emergency],
    currentTo: await currentToOf(gateway, [entries.currentTo, events.currentTo]),
  };
}
