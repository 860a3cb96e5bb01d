// Records the way the portal makes them: encrypted with the vault, the ciphertext uploaded to the gateway, the pointer
// added on chain, and the record key wrapped for the patient (and later for readers). Test accounts get random X25519
// key pairs: the gateway never sees a secret key, so how a key pair was made does not matter to it.
import { x25519 } from "@noble/curves/ed25519.js";
import type { Address, Hex } from "viem";
import { encryptRecord, toBase64Url, wrapRecordKey } from "@/lib/vault";
import type { GatewayClient, GatewayResponse } from "./gatewayHttpClient";
import type { MedConsentChain } from "./medConsentChain";

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function newKeyPair(): KeyPair {
  const secretKey = x25519.utils.randomSecretKey();
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

export interface StoredRecord {
  patient: Address;
  recordId: bigint;
  category: number;
  plaintext: Uint8Array;
  name: string;
  type: string;
  ciphertext: Uint8Array;
  recordKey: Uint8Array;
  contentHash: Hex;
  cid: string;
}

/** Deterministic file contents of `size` bytes for `label`. */
export function fileBytes(label: string, size = 2048): Uint8Array {
  const text = new TextEncoder().encode(`${label}\n`);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = text[i % text.length];
  return bytes;
}

export const blobPath = (cid: string, patient: Address, category: number, purpose?: string) =>
  `/api/blobs/${cid}?patient=${patient}&category=${category}${purpose ? `&purpose=${purpose}` : ""}`;

export const recordPath = (patient: Address, recordId: bigint | number | string, purpose?: string) =>
  `/api/records/${patient}/${recordId}${purpose ? `?purpose=${purpose}` : ""}`;

export const keyPath = (patient: Address, recordId: bigint | number | string, recipient: Address) =>
  `/api/records/${patient}/${recordId}/keys/${recipient}`;

/** PUT of a wrapped record key for `recipient`. */
export function putWrappedKey(
  client: GatewayClient,
  record: StoredRecord,
  recipient: Address,
  recipientPublicKey: Uint8Array,
): Promise<GatewayResponse> {
  const wrapped = wrapRecordKey(record.recordKey, recipientPublicKey, record.contentHash);
  return client.putJson(keyPath(record.patient, record.recordId, recipient), { wrappedKey: toBase64Url(wrapped) });
}

/**
 * encrypt → PUT /api/blobs/{cid} (with the patient's own wrapped key in X-Wrapped-Key when `pendingKey`) → addRecord →
 * PUT the patient's own wrapped key (unless `skipOwnKeyPut`, as when that request fails in the portal). `uploader` is
 * signed in as the patient or as an author with APPEND (Hardhat account `authorIndex`); throws on any unexpected answer.
 */
export async function storeRecord(options: {
  chain: MedConsentChain;
  uploader: GatewayClient;
  authorIndex: number;
  patient: Address;
  patientKey: KeyPair;
  category: number;
  label: string;
  size?: number;
  pendingKey?: boolean;
  skipOwnKeyPut?: boolean;
}): Promise<StoredRecord> {
  const { chain, uploader, patient, category, label } = options;
  const plaintext = fileBytes(label, options.size);
  const name = `${label.replace(/\W+/g, "-")}.txt`;
  const type = "text/plain";
  const encrypted = await encryptRecord({ bytes: plaintext, name, type });
  const headers: Record<string, string> = {};
  if (options.pendingKey) {
    const own = wrapRecordKey(encrypted.recordKey, options.patientKey.publicKey, encrypted.contentHash);
    headers["x-wrapped-key"] = toBase64Url(own);
  }
  const upload = await uploader.putBytes(blobPath(encrypted.cid, patient, category), encrypted.ciphertext, headers);
  if (upload.status !== 201 && upload.status !== 200) throw new Error(`upload of ${label}: ${upload.describe()}`);
  const recordId = await chain.addRecord(options.authorIndex, patient, encrypted.contentHash, category, encrypted.cid);
  const record: StoredRecord = { patient, recordId, category, plaintext, name, type, ...encrypted };
  if (options.skipOwnKeyPut) return record;
  const key = await putWrappedKey(uploader, record, patient, options.patientKey.publicKey);
  if (key.status !== 201 && key.status !== 200) throw new Error(`patient key of ${label}: ${key.describe()}`);
  return record;
}
