// PUT /api/blobs/{cid}: stores an encrypted record file, named by its CID, for a patient. The uploader is the patient,
// or a provider whose consent lets it add records of that category; the bytes must hash to the CID.
import { createHash } from "node:crypto";
import type { Address, Hex } from "viem";
import { APPEND } from "../../_lib/consentCodes";
import { hashOfCid } from "../../_lib/vault/cid";
import { readBodyCapped } from "./body";
import type { Gateway } from "./context";
import { badRequest, forbidden, tooLarge } from "./errors";

export interface BlobUpload {
  cid: string;
  uploader: Address;
  patient: Address;
  category: number;
  purpose: number;
}

export async function uploadBlob(
  gateway: Gateway,
  upload: BlobUpload,
  request: Request,
): Promise<{ created: boolean; body: { cid: string; contentHash: Hex; size: number } }> {
  const limit = gateway.config.maxBlobBytes;
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    throw tooLarge(limit); // before any chain call or byte read
  }
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
  const bytes = await readBodyCapped(request, limit);
  const contentHash = hashOfCid(upload.cid);
  const actual = `0x${createHash("sha256").update(bytes).digest("hex")}`;
  if (actual !== contentHash) {
    throw badRequest(`The body's SHA-256 (${actual}) does not match the CID's hash (${contentHash}).`, "cid_mismatch");
  }
  const exists = await gateway.blobs.has(upload.cid);
  if (!exists) await gateway.blobs.put(upload.cid, bytes);
  return { created: !exists, body: { cid: upload.cid, contentHash, size: bytes.length } };
}
