// The chain reads behind the FHIR resources: consents (listConsents), the patient's events, providers' public
// records. Every read fails closed: an RPC failure is 503 chain_unavailable, never a partial answer.
import "server-only";
import type { Address } from "viem";
import type { CurrentTo } from "@/lib/consentClient";
import { READ } from "@/lib/consentCodes";
import type { ConsentChainEvent } from "@/lib/fhir/auditEvent";
import type { ProviderFacts } from "@/lib/fhir/consent";
import { getProviderInfo } from "@/lib/providers";
import { failClosed } from "@/server/gateway/chain/chainReads";
import type { Gateway } from "@/server/gateway/context";

/** The chain's time now (latest block), seconds. */
export async function chainNow(gateway: Gateway): Promise<number> {
  const block = await failClosed("FHIR chain read", () =>
    gateway.consentClient.publicClient.getBlock({ blockTag: "latest" }),
  );
  return Number(block.timestamp);
}

/** Public names and kinds of the given accounts (name "" for accounts that are not providers), one read each. */
export async function providerFacts(
  gateway: Gateway,
  addresses: Iterable<Address>,
): Promise<Map<Address, ProviderFacts>> {
  const unique = [...new Set(addresses)];
  const infos = await failClosed("FHIR chain read", () =>
    Promise.all(unique.map((address) => getProviderInfo(gateway.consentClient, address))),
  );
  return new Map(infos.map((info, i) => [unique[i], { name: info.name, kind: info.kind }]));
}

/** Whether `grantee` holds a live consent with READ from `patient` (and is an active provider). */
export async function hasLiveReadConsent(gateway: Gateway, patient: Address, grantee: Address): Promise<boolean> {
  const stored = await failClosed("FHIR chain read", () => gateway.consentClient.consentOf(patient, grantee));
  if (stored.categories === 0n || (stored.actions & READ) === 0) return false;
  return gateway.chain.coversActions(patient, grantee, stored.categories, READ);
}

/** A FHIR answer's chain data is current to this block (the indexer's, or the latest a log scan read), with its time. */
export interface AnswerCurrentTo {
  blockNumber: bigint;
  /** Seconds. */
  timestamp: number;
}

/** The earlier of the blocks the lists behind one answer are current to, with its time (read when a scan gave none). */
export async function currentToOf(gateway: Gateway, lists: CurrentTo[]): Promise<AnswerCurrentTo> {
  const earliest = lists.reduce((a, b) => (b.blockNumber < a.blockNumber ? b : a));
  if (earliest.timestamp !== undefined) return { blockNumber: earliest.blockNumber, timestamp: earliest.timestamp };
  const block = await failClosed("FHIR chain read", () =>
    gateway.consentClient.publicClient.getBlock({ blockNumber: earliest.blockNumber }),
  );
  return { blockNumber: earliest.blockNumber, timestamp: Number(block.timestamp) };
}

/**
 * The patient's ConsentRegistry events, oldest first, decoded for the FHIR mapping: from the indexer when the gateway
 * has one (INDEXER_URL), else a log scan; with the block they are current to.
 */
export async function consentEventsOf(
  gateway: Gateway,
  patient: Address,
): Promise<ConsentChainEvent[] & { currentTo: CurrentTo }> {
  const events = await failClosed("FHIR chain read", () => gateway.consentClient.getPatientEvents(patient));
  const out: ConsentChainEvent[] & { currentTo: CurrentTo } = Object.assign([], { currentTo: events.currentTo });
  for (const event of events) {
    const base = {
      patient,
      blockNumber: event.blockNumber,
      logIndex: event.logIndex,
      transactionHash: event.transactionHash,
      timestamp: event.timestamp,
    };
    switch (event.eventName) {
      case "ConsentGranted":
        out.push({
          ...base,
          name: "ConsentGranted",
          grantee: event.args.grantee,
          categories: event.args.categories,
          actions: event.args.actions,
          purposes: event.args.purposes,
          expiresAt: Number(event.args.expiresAt),
          by: event.args.by,
        });
        break;
      case "ConsentRevoked":
        out.push({ ...base, name: "ConsentRevoked", grantee: event.args.grantee, by: event.args.by });
        break;
      case "AllConsentsRevoked":
        out.push({ ...base, name: "AllConsentsRevoked", epoch: Number(event.args.epoch) });
        break;
      case "EmergencyAccessUsed":
        out.push({
          ...base,
          name: "EmergencyAccessUsed",
          grantee: event.args.grantee,
          reasonHash: event.args.reasonHash,
          expiresAt: Number(event.args.expiresAt),
        });
        break;
      case "EmergencyAccessSet":
        out.push({ ...base, name: "EmergencyAccessSet", allowed: event.args.allowed });
        break;
      case "DelegateSet":
        out.push({
          ...base,
          name: "DelegateSet",
          delegate: event.args.delegate,
          allowed: event.args.allowed,
        });
        break;
      default:
        // Records and cancelled nonces are not consent events.
        break;
    }
  }
  return out;
}
