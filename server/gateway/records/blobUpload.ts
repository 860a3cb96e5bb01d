// PUT /api/blobs/{cid}: stores an encrypted record file for a patient, bound to that patient and category. The
// uploader is the patient, or a provider whose consent lets it add records of that category; the bytes stream to the
// store and must hash to the CID; the patient's quotas must have room; and the patient's own wrapped key may come
// along (X-Wrapped-Key), kept until the record is on chain so it cannot be lost between the two.
import "server-only";
import type { Address, Hex } from "viem";
import { APPEND } from "@/lib/consentCodes";
import { hashOfCid } from "@/lib/vault/cid";
import { fromBase64Url } from "@/lib/vault/encoding";
import { WRAPPED_KEY_LENGTH } from "@/lib/vault/keyWrap";
import {
  checkQuotasAhead,
  dropNewBinding,
  existingBindingRefusal,
  findBinding,
  storeBinding,
  type NewBinding,
} from "@/server/gateway/storage/blobBindings";
import type { Gateway } from "@/server/gateway/context";
import { declaredLength } from "@/server/gateway/http/body";
import { badRequest, forbidden } from "@/server/gateway/http/errors";

export interface BlobUpload {
  cid: string;
  uploader: Address;
  patient: Address;
  category: number;
  purpose: number;
  /** The patient's own wrapped key to the file's record key, if sent. */
  pendingKey?: Uint8Array;
}

/** The X-Wrapped-Key header: base64url of the patient's 105-byte wrapped key (version 1), or undefined when absent. */
export function parsePendingKeyHeader(text: string | null): Uint8Array | undefined {
  if (text === null) return undefined;
  let bytes: Uint8Array | undefined;
  try {
    bytes = fromBase64Url(text.trim());
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined || bytes.length !== WRAPPED_KEY_LENGTH || bytes[0] !== 1) {
    throw badRequest(
      `X-Wrapped-Key must be the base64url of the patient's ${WRAPPED_KEY_LENGTH}-byte wrapped key (version 1).`,
    );
  }
  return bytes;
}

export async function uploadBlob(
  gateway: Gateway,
  upload: BlobUpload,
  request: Request,
): Promise<{ created: boolean; body: { cid: string; contentHash: Hex; size: number } }> {
  const limit = gateway.config.maxBlobBytes;
  const declared = declaredLength(request, limit); // before any chain call or byte read
  if (upload.uploader !== upload.patient) {
    const refusal = await gateway.chain.explainAccess(
      upload.patient,
      upload.uploader,
      1n << BigInt(upload.category),
      APPEND,
      upload.purpose,
    );
    if (refusal !== undefined) throw forbidden(refusal.message, "forbidden", refusal.reason);
  }
  const key = { patient: upload.patient, cid: upload.cid };
  const binding: NewBinding = {
    key,
    category: upload.category,
    uploader: upload.uploader,
    size: declared ?? 0,
    pendingKey: upload.pendingKey,
  };
  // Refusals that need no bytes come before reading any: a conflict with the stored binding, or no room.
  const existing = await findBinding(gateway.db, key);
  if (existing !== undefined) {
    const refusal = existingBindingRefusal(existing, binding);
    if (refusal !== undefined) throw refusal;
  } else {
    await checkQuotasAhead(gateway, upload.patient, binding.size);
  }

  const spooled = await gateway.blobs.spool(request.body, limit);
  try {
    const contentHash = hashOfCid(upload.cid);
    if (spooled.sha256 !== contentHash) {
      throw badRequest(
        `The body's SHA-256 (${spooled.sha256}) does not match the CID's hash (${contentHash}).`,
        "cid_mismatch",
      );
    }
    const created = await storeBinding(gateway, { ...binding, size: spooled.size });
    try {
      // Always written, even when already stored: a copy damaged on disk is repaired by uploading it again.
      await gateway.blobs.commit(key, spooled);
    } catch (error) {
      if (created) await dropNewBinding(gateway.db, key);
      throw error;
    }
    return { created, body: { cid: upload.cid, contentHash, size: spooled.size } };
  } finally {
    await gateway.blobs.discard(spooled);
  }
}
