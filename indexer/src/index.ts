// The indexing functions: every event is appended to chain_event, then applied to the current-state tables through
// the pure functions of rows.ts.
import { ponder, type Context } from "ponder:registry";
import {
  chainEvent,
  consent,
  delegate,
  disclosureAnchor,
  emergencyAccess,
  encryptionKey,
  patient,
  provider,
  record,
} from "ponder:schema";
import { and, eq } from "ponder";
import type { Address, Hex } from "viem";
import * as rows from "./rows";

interface IndexedEvent {
  args: object;
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number };
  transaction: { hash: Hex };
}

const positionOf = (event: IndexedEvent): rows.EventPosition => ({
  blockNumber: event.block.number,
  logIndex: event.log.logIndex,
  timestamp: Number(event.block.timestamp),
  transactionHash: event.transaction.hash,
});

/** Appends the event to the history every list and timeline reads. */
async function append(context: Context, contract: string, name: string, event: IndexedEvent) {
  const args = event.args as Record<string, unknown>;
  await context.db.insert(chainEvent).values(rows.chainEventRow(contract, name, args, positionOf(event)));
}

async function patientOf(context: Context, address: Address): Promise<rows.PatientRow> {
  return (await context.db.find(patient, { address })) ?? rows.newPatient(address);
}

async function savePatient(context: Context, row: rows.PatientRow) {
  await context.db.insert(patient).values(row).onConflictDoUpdate(row);
}

// ---- ProviderRegistry ----

ponder.on("ProviderRegistry:ProviderRegistered", async ({ event, context }) => {
  await append(context, "ProviderRegistry", "ProviderRegistered", event);
  await context.db.insert(provider).values(rows.providerRegistered(event.args, positionOf(event)));
});

ponder.on("ProviderRegistry:ProviderSuspended", async ({ event, context }) => {
  await append(context, "ProviderRegistry", "ProviderSuspended", event);
  await context.db.update(provider, { address: event.args.provider }).set({ active: false });
});

ponder.on("ProviderRegistry:ProviderReinstated", async ({ event, context }) => {
  await append(context, "ProviderRegistry", "ProviderReinstated", event);
  await context.db.update(provider, { address: event.args.provider }).set({ active: true });
});

ponder.on("ProviderRegistry:EmergencyCapabilitySet", async ({ event, context }) => {
  await append(context, "ProviderRegistry", "EmergencyCapabilitySet", event);
  await context.db.update(provider, { address: event.args.provider }).set({ emergencyCapable: event.args.capable });
});

// ---- ConsentRegistry ----

ponder.on("ConsentRegistry:ConsentGranted", async ({ event, context }) => {
  await append(context, "ConsentRegistry", "ConsentGranted", event);
  const previous = await context.db.find(consent, { patient: event.args.patient, grantee: event.args.grantee });
  const granter = await patientOf(context, event.args.patient);
  const row = rows.grantedConsent(event.args, granter, positionOf(event), previous ?? undefined);
  await context.db.insert(consent).values(row).onConflictDoUpdate(row);
});

ponder.on("ConsentRegistry:ConsentRevoked", async ({ event, context }) => {
  await append(context, "ConsentRegistry", "ConsentRevoked", event);
  await context.db
    .update(consent, { patient: event.args.patient, grantee: event.args.grantee })
    .set((row) => rows.revokedConsent(row));
});

ponder.on("ConsentRegistry:AllConsentsRevoked", async ({ event, context }) => {
  await append(context, "ConsentRegistry", "AllConsentsRevoked", event);
  await savePatient(context, rows.revokedAll(await patientOf(context, event.args.patient), event.args.epoch));
  // Revoke-all is O(1) on chain; here every live consent of the patient is marked, so a list needs no second query
  // for epochs. A rare event, so the raw update (which flushes Ponder's cache) costs backfill little.
  await context.db.sql
    .update(consent)
    .set({ revoked: true })
    .where(and(eq(consent.patient, event.args.patient), eq(consent.revoked, false)));
});

ponder.on("ConsentRegistry:DelegateSet", async ({ event, context }) => {
  await append(context, "ConsentRegistry", "DelegateSet", event);
  const row = rows.delegateSet(event.args, await patientOf(context, event.args.patient), positionOf(event));
  await context.db.insert(delegate).values(row).onConflictDoUpdate(row);
});

ponder.on("ConsentRegistry:EmergencyAccessSet", async ({ event, context }) => {
  await append(context, "ConsentRegistry", "EmergencyAccessSet", event);
  await savePatient(context, rows.emergencySet(await patientOf(context, event.args.patient), event.args.allowed));
});

ponder.on("ConsentRegistry:EmergencyAccessUsed", async ({ event, context }) => {
  await append(context, "ConsentRegistry", "EmergencyAccessUsed", event);
  const opened = await patientOf(context, event.args.patient);
  await context.db.insert(emergencyAccess).values(rows.emergencyAccessOpened(event.args, opened, positionOf(event)));
});

ponder.on("ConsentRegistry:NonceUsed", async ({ event, context }) => {
  // History only: a cancelled signature changes no state the indexer keeps.
  await append(context, "ConsentRegistry", "NonceUsed", event);
});

// ---- RecordRegistry ----

ponder.on("RecordRegistry:RecordAdded", async ({ event, context }) => {
  await append(context, "RecordRegistry", "RecordAdded", event);
  await context.db.insert(record).values(rows.recordAdded(event.args, positionOf(event)));
});

ponder.on("RecordRegistry:RecordSuperseded", async ({ event, context }) => {
  await append(context, "RecordRegistry", "RecordSuperseded", event);
  await context.db
    .update(record, { patient: event.args.patient, recordId: event.args.recordId })
    .set({ supersededBy: event.args.newRecordId });
});

// ---- KeyDirectory and DisclosureLog ----

ponder.on("KeyDirectory:EncryptionKeySet", async ({ event, context }) => {
  await append(context, "KeyDirectory", "EncryptionKeySet", event);
  const row = { account: event.args.account, publicKey: event.args.publicKey, setAt: Number(event.block.timestamp) };
  await context.db.insert(encryptionKey).values(row).onConflictDoUpdate(row);
});

ponder.on("DisclosureLog:DisclosuresAnchored", async ({ event, context }) => {
  await append(context, "DisclosureLog", "DisclosuresAnchored", event);
  await context.db.insert(disclosureAnchor).values({
    ...event.args,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
    anchoredAt: Number(event.block.timestamp),
  });
});
