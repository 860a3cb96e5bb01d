// Serving records and storing their wrapped keys. A read is decided by the chain at that moment (hasAccess at the
// latest block, whose number is logged with it), logged before any byte is returned, and answered with the ciphertext plus the reader's own wrapped key; the gateway never
// sees a record key or a plaintext.
import "server-only";
import type { Address, Hex } from "viem";
import { APPEND, EMERGENCY, READ, TREATMENT } from "@/lib/consentCodes";
import { fromBase64Url, toBase64Url } from "@/lib/vault/encoding";
import { WRAPPED_KEY_LENGTH } from "@/lib/vault/keyWrap";
import { openBoundBlob, refreshReferences } from "@/server/gateway/storage/blobBindings";
import type { BlobBody } from "@/server/gateway/storage/blobStore";
import type { Gateway } from "@/server/gateway/context";
import { logDisclosureWithKey } from "@/server/gateway/storage/disclosures";
import { purgeEscrowIfEmergencyOff, serveEscrowKey } from "@/server/gateway/emergency/emergencyAccess";
import { badRequest, forbidden, GatewayError, notFound } from "@/server/gateway/http/errors";
import { deleteKeysOfRefusedRead } from "./keySweep";
import { findWrappedKey, keyVersions, listOwnKeys, storeWrappedKeyVersion } from "@/server/gateway/storage/wrappedKeys";
import type { RecordMeta } from "@/server/gateway/chain/chainReads";

const keyNotFound = () =>
  notFound("key_not_found", "No key to this record has been shared with you yet: ask the patient to share it.");

export interface ServedRecord {
  /** The ciphertext, streamed (and checked against its hash as it flows). */
  body: ReadableStream<Uint8Array>;
  headers: Record<string, string>;
}

async function existingRecord(gateway: Gateway, patient: Address, recordId: bigint): Promise<RecordMeta> {
  const record = await gateway.chain.record(patient, recordId);
  if (record === undefined) throw notFound("record_not_found", `There is no record ${recordId} for this patient.`);
  return record;
}

/**
 * GET /api/records/{patient}/{recordId}: the ciphertext and the reader's wrapped key, if the chain says the reader
 * may read that record's category for that purpose right now. `purpose` is undefined only when not given.
 */
export async function readRecord(
  gateway: Gateway,
  request: { reader: Address; patient: Address; recordId: bigint; purpose: number | undefined; requestId: string },
): Promise<ServedRecord> {
  const { reader, patient, recordId, requestId } = request;
  const isPatient = reader === patient;
  if (!isPatient && request.purpose === undefined) {
    throw badRequest(
      "Say why you are reading: ?purpose=treatment (or payment, operations, research, public-health, emergency).",
    );
  }
  const purpose = request.purpose ?? TREATMENT;
  // Emergency escrow (emergencyAccess.ts): checked on every emergency read, so a patient who turned emergency access
  // off without telling the gateway loses the escrow copies here at the latest.
  const emergency = !isPatient && purpose === EMERGENCY;
  if (emergency) await purgeEscrowIfEmergencyOff(gateway, patient);
  const record = await existingRecord(gateway, patient, recordId);
  const category = 1n << BigInt(record.category);
  const decisionBlock = await gateway.chain.blockNumber();
  if (!isPatient && !(await gateway.chain.hasAccess(patient, reader, category, READ, purpose, decisionBlock))) {
    await refuseRead(gateway, { patient, reader, categoryBit: record.category, purpose, decisionBlock });
  }
  // Only bytes uploaded for this patient, hash and category: a record that copies another's hash gets nothing.
  let blob: BlobBody;
  try {
    blob = await openBoundBlob(gateway, patient, recordId, record);
  } catch (error) {
    const missing = error instanceof GatewayError && error.status === 404;
    if (missing && (await findWrappedKey(gateway.db, patient, recordId, reader)) === undefined) throw keyNotFound();
    throw error;
  }
  // One statement finds the reader's key and logs the disclosure, before any byte is returned.
  let logged: { id: bigint; wrappedKey: Uint8Array } | undefined;
  const disclosure = {
    reader,
    patient,
    recordId,
    purpose,
    servedAt: Math.floor(Date.now() / 1000),
    requestId,
    decisionBlock,
  };
  const closeBlob = () => void blob.stream.cancel().catch(() => undefined);
  try {
    logged = await logDisclosureWithKey(gateway.db, disclosure);
  } catch (error) {
    // No log entry, no disclosure: the patient must be able to see every read.
    console.error("gateway: could not log a disclosure:", error);
    closeBlob();
    throw new GatewayError(503, "log_unavailable", "The gateway cannot log this read right now, so it serves nothing.");
  }
  // No key of its own: a provider that broke the glass gets the escrow copy re-wrapped for it, logged the same way.
  if (logged === undefined && emergency) {
    try {
      logged = await serveEscrowKey(gateway, disclosure, record);
    } catch (error) {
      closeBlob();
      throw error;
    }
  }
  if (logged === undefined) {
    closeBlob();
    throw keyNotFound();
  }
  const { id, wrappedKey } = logged;
  return {
    body: blob.stream,
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(blob.size),
      "Cache-Control": "no-store",
      "X-Wrapped-Key": toBase64Url(wrappedKey),
      "X-Content-Hash": record.contentHash,
      "X-Record-Category": String(record.category),
      "X-Record-Author": record.author,
      "X-Disclosure-Id": id.toString(),
      "X-Decision-Block": decisionBlock.toString(),
    },
  };
}

/**
 * Throws the 403 with checkAccess's reason at the decision's block, after deleting the keys the reader may no longer
 * use once that refusal is confirmed (keySweep.ts).
 */
async function refuseRead(
  gateway: Gateway,
  read: { patient: Address; reader: Address; categoryBit: number; purpose: number; decisionBlock: bigint },
): Promise<never> {
  const { patient, reader, categoryBit, purpose, decisionBlock } = read;
  const refusal = await gateway.chain.explainAccess(
    patient,
    reader,
    1n << BigInt(categoryBit),
    READ,
    purpose,
    decisionBlock,
  );
  if (refusal === undefined) {
    // hasAccess and checkAccess at one block disagree only if the node changed its view of that block (a reorg).
    throw forbidden("Your access changed while this request was being checked. Try again.");
  }
  await deleteKeysOfRefusedRead(gateway, { ...read, refusal });
  throw forbidden(refusal.message, "forbidden", refusal.reason);
}

/** GET /api/records/{patient}/keys: the patient's own wrapped keys, for re-wrapping to a new grantee. */
export async function ownKeys(gateway: Gateway, caller: Address, patient: Address) {
  if (caller !== patient) throw forbidden("Only the patient can list their own record keys.");
  // Keys stored with uploads become the patient's keys once their records are on chain.
  await refreshReferences(gateway, patient, { withPendingKeyOnly: true });
  const keys = await listOwnKeys(gateway.db, patient);
  return { keys: keys.map((key) => ({ recordId: key.recordId, wrappedKey: toBase64Url(key.wrappedKey) })) };
}

/** The wrapped key of a PUT body: base64url of 105 bytes, format version 1. */
export function parseWrappedKeyBody(body: unknown): Uint8Array {
  const text =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as { wrappedKey?: unknown }).wrappedKey
      : undefined;
  let bytes: Uint8Array | undefined;
  try {
    bytes = typeof text === "string" ? fromBase64Url(text) : undefined;
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined || bytes.length !== WRAPPED_KEY_LENGTH || bytes[0] !== 1) {
    throw badRequest(`Send { "wrappedKey": "<base64url of the ${WRAPPED_KEY_LENGTH}-byte wrapped key, version 1>" }.`);
  }
  return bytes;
}

/**
 * PUT /api/records/{patient}/{recordId}/keys/{recipient}: the patient, or the record's author while its consent still
 * covers the record's category with APPEND (an active provider), stores a wrapped key for the patient or for a
 * provider whose live consent covers the category with READ. Only the patient replaces the patient's own key; every
 * replaced key is kept as a previous version.
 */
export async function storeWrappedKey(
  gateway: Gateway,
  request: { caller: Address; patient: Address; recordId: bigint; recipient: Address; wrappedKey: Uint8Array },
): Promise<{ created: boolean; contentHash: Hex }> {
  const { caller, patient, recordId, recipient } = request;
  const record = await existingRecord(gateway, patient, recordId);
  const category = 1n << BigInt(record.category);
  if (caller !== patient && caller !== record.author) {
    throw forbidden("Only the patient or the record's author can share this record's key.");
  }
  const checkedAt = await gateway.chain.blockNumber();
  if (caller !== patient && !(await gateway.chain.coversActions(patient, caller, category, APPEND, checkedAt))) {
    throw forbidden(
      "You wrote this record, but your consent from the patient no longer covers its category with append access " +
        "(or you are not an active provider), so you can no longer share its key.",
      "author_not_allowed",
    );
  }
  if (recipient !== patient && !(await gateway.chain.coversActions(patient, recipient, category, READ, checkedAt))) {
    throw forbidden(
      `${recipient} may not receive this key: only the patient, or an active provider whose consent covers this ` +
        "record's category with read access.",
      "recipient_not_allowed",
    );
  }
  const outcome = await storeWrappedKeyVersion(
    gateway.db,
    {
      patient,
      recordId,
      recipient,
      wrappedKey: request.wrappedKey,
      category: record.category,
      storedBy: caller,
      storedBlock: checkedAt,
    },
    { mayReplace: caller === patient || recipient !== patient },
  );
  if (outcome === "refused") {
    throw forbidden(
      "The patient already holds a key to this record, and only the patient can replace it.",
      "patient_key_protected",
    );
  }
  return { created: outcome === "created", contentHash: record.contentHash };
}

/** GET /api/records/{patient}/{recordId}/keys/{recipient}: the current key and every replaced one, to the patient. */
export async function wrappedKeyHistory(
  gateway: Gateway,
  request: { caller: Address; patient: Address; recordId: bigint; recipient: Address },
) {
  const { caller, patient, recordId, recipient } = request;
  if (caller !== patient) throw forbidden("Only the patient can see the versions of their records' keys.");
  await existingRecord(gateway, patient, recordId);
  const { current, previous } = await keyVersions(gateway.db, patient, recordId, recipient);
  if (current === undefined && previous.length === 0) {
    throw notFound("key_not_found", "No key to this record is stored for this recipient.");
  }
  const shown = (version: (typeof previous)[number]) => ({
    wrappedKey: toBase64Url(version.wrappedKey),
    storedBy: version.storedBy,
    storedAt: version.storedAt,
    ...(version.replacedAt === undefined ? {} : { replacedAt: version.replacedAt, replacedBy: version.replacedBy }),
  });
  return { current: current === undefined ? null : shown(current), previous: previous.map(shown) };
}
