// Serving records and storing their wrapped keys. A read is decided by the chain at that moment (hasAccess), logged
// before any byte is returned, and answered with the ciphertext plus the reader's own wrapped key; the gateway never
// sees a record key or a plaintext.
import type { Address, Hex } from "viem";
import { READ, TREATMENT } from "../../_lib/consentCodes";
import { fromBase64Url, toBase64Url } from "../../_lib/vault/encoding";
import { WRAPPED_KEY_LENGTH } from "../../_lib/vault/keyWrap";
import { openBoundBlob, refreshReferences } from "./blobBindings";
import type { BlobBody } from "./blobStore";
import type { Gateway } from "./context";
import { logDisclosureWithKey } from "./disclosures";
import { badRequest, forbidden, GatewayError, notFound } from "./errors";
import { deleteReaderKeys, findWrappedKey, listOwnKeys, upsertWrappedKey } from "./wrappedKeys";
import type { RecordMeta } from "./chainAccess";

const keyNotFound = () =>
  notFound("key_not_found", "No key to this record has been shared with you yet: ask the patient to share it.");

/** checkAccess reasons meaning the reader no longer holds READ on any category of this patient's data. */
const LOST_ALL_READ = new Set(["AccessNoConsent", "AccessExpired", "AccessActionNotGranted"]);

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
  const record = await existingRecord(gateway, patient, recordId);
  const category = 1n << BigInt(record.category);
  if (!isPatient && !(await gateway.chain.hasAccess(patient, reader, category, READ, purpose))) {
    await refuseRead(gateway, patient, reader, record.category, category, purpose);
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
  let logged: { seq: bigint; wrappedKey: Uint8Array } | undefined;
  const closeBlob = () => void blob.stream.cancel().catch(() => undefined);
  try {
    logged = await logDisclosureWithKey(gateway.db, {
      reader,
      patient,
      recordId,
      purpose,
      servedAt: Math.floor(Date.now() / 1000),
      requestId,
    });
  } catch (error) {
    // No log entry, no disclosure: the patient must be able to see every read.
    console.error("gateway: could not log a disclosure:", error);
    closeBlob();
    throw new GatewayError(503, "log_unavailable", "The gateway cannot log this read right now, so it serves nothing.");
  }
  if (logged === undefined) {
    closeBlob();
    throw keyNotFound();
  }
  const { seq, wrappedKey } = logged;
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
      "X-Disclosure-Seq": seq.toString(),
    },
  };
}

/** Throws the 403 with checkAccess's reason, after deleting the keys the reader may no longer use. */
async function refuseRead(
  gateway: Gateway,
  patient: Address,
  reader: Address,
  categoryBit: number,
  category: bigint,
  purpose: number,
): Promise<never> {
  const refusal = await gateway.chain.explainAccess(patient, reader, category, READ, purpose);
  if (refusal === undefined) {
    // hasAccess and checkAccess disagree only when the consent changed between the two calls.
    throw forbidden("Your access changed while this request was being checked. Try again.");
  }
  // A suspension or a purpose outside the consent does not end the consent itself: those keys stay.
  if (LOST_ALL_READ.has(refusal.reason)) await deleteReaderKeys(gateway.db, patient, reader);
  else if (refusal.reason === "AccessCategoryNotGranted")
    await deleteReaderKeys(gateway.db, patient, reader, [categoryBit]);
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
 * PUT /api/records/{patient}/{recordId}/keys/{recipient}: the patient or the record's author stores a wrapped key
 * for the patient or for a provider whose live consent covers the record's category with READ.
 */
export async function storeWrappedKey(
  gateway: Gateway,
  request: { caller: Address; patient: Address; recordId: bigint; recipient: Address; wrappedKey: Uint8Array },
): Promise<{ created: boolean; contentHash: Hex }> {
  const { caller, patient, recordId, recipient } = request;
  const record = await existingRecord(gateway, patient, recordId);
  if (caller !== patient && caller !== record.author) {
    throw forbidden("Only the patient or the record's author can share this record's key.");
  }
  if (
    recipient !== patient &&
    !(await gateway.chain.coversActions(patient, recipient, 1n << BigInt(record.category), READ))
  ) {
    throw forbidden(
      `${recipient} may not receive this key: only the patient, or an active provider whose consent covers this ` +
        "record's category with read access.",
      "recipient_not_allowed",
    );
  }
  const created = await upsertWrappedKey(gateway.db, {
    patient,
    recordId,
    recipient,
    wrappedKey: request.wrappedKey,
    category: record.category,
    storedBy: caller,
  });
  return { created, contentHash: record.contentHash };
}
