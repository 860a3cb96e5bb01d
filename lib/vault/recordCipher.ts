// Encryption of one record file under its own random key (AES-256-GCM via WebCrypto, which is native and fast for
// multi-megabyte files in the browser and in Node 20). Format (version 1):
//   0x01 || iv(12) || AES-256-GCM(recordKey, iv, additionalData = 0x01)(envelope) (ciphertext || tag(16))
//   envelope = uint32 big-endian header length || UTF-8 JSON { name, type } || file bytes
// The file name and type travel inside the ciphertext, so the gateway never learns them.
import type { Hex } from "viem";
import { cidOfHash } from "./cid";
import { toHex } from "./encoding";
import { VaultError } from "./errors";

const FORMAT_VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX_BYTES = 1 + IV_BYTES;
export const RECORD_KEY_LENGTH = 32;

/** A record file before encryption and after decryption. */
export type RecordFile = { bytes: Uint8Array; name: string; type: string };

/** A decrypted record file; its bytes are backed by a plain ArrayBuffer, so they go straight into a Blob. */
export type DecryptedRecord = RecordFile & { bytes: Uint8Array<ArrayBuffer> };

/** An encrypted record: the blob to upload, its key (to wrap per reader) and the hash and CID the chain stores. */
export type EncryptedRecord = {
  ciphertext: Uint8Array<ArrayBuffer>;
  recordKey: Uint8Array<ArrayBuffer>;
  contentHash: Hex;
  cid: string;
};

type RecordHeader = { name: string; type: string };

// WebCrypto's types want bytes backed by a plain ArrayBuffer; views on one are passed as they are (no copy of a
// large file), anything else (e.g. SharedArrayBuffer) is copied.
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function importRecordKey(recordKey: Uint8Array, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  if (recordKey.length !== RECORD_KEY_LENGTH) throw new VaultError("A record key is 32 bytes.");
  return crypto.subtle.importKey("raw", bufferSource(recordKey), { name: "AES-GCM" }, false, [usage]);
}

const additionalData = () => new Uint8Array([FORMAT_VERSION]);

/** SHA-256 of the bytes as a 0x content hash (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<Hex> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bufferSource(bytes))));
}

/** Encrypts a file under a fresh random record key; contentHash and cid are of the whole ciphertext blob. */
export async function encryptRecord(file: RecordFile): Promise<EncryptedRecord> {
  const header = new TextEncoder().encode(JSON.stringify({ name: file.name, type: file.type } satisfies RecordHeader));
  const envelope = new Uint8Array(4 + header.length + file.bytes.length);
  new DataView(envelope.buffer).setUint32(0, header.length, false);
  envelope.set(header, 4);
  envelope.set(file.bytes, 4 + header.length);

  const recordKey = crypto.getRandomValues(new Uint8Array(RECORD_KEY_LENGTH));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await importRecordKey(recordKey, "encrypt");
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData() }, key, envelope),
  );

  const ciphertext = new Uint8Array(PREFIX_BYTES + sealed.length);
  ciphertext[0] = FORMAT_VERSION;
  ciphertext.set(iv, 1);
  ciphertext.set(sealed, PREFIX_BYTES);
  const contentHash = await sha256Hex(ciphertext);
  return { ciphertext, recordKey, contentHash, cid: cidOfHash(contentHash) };
}

function parseHeader(bytes: Uint8Array): RecordHeader {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new VaultError("The decrypted record has an unreadable header.");
  }
  if (
    typeof header !== "object" ||
    header === null ||
    !("name" in header) ||
    !("type" in header) ||
    typeof header.name !== "string" ||
    typeof header.type !== "string"
  )
    throw new VaultError("The decrypted record's header has no file name or type.");
  return { name: header.name, type: header.type };
}

/** Decrypts a record blob; throws VaultError when the key is wrong or the blob was changed or cut short. */
export async function decryptRecord(ciphertext: Uint8Array, recordKey: Uint8Array): Promise<DecryptedRecord> {
  if (ciphertext.length < PREFIX_BYTES + TAG_BYTES)
    throw new VaultError("This record file is too short to be an encrypted record.");
  if (ciphertext[0] !== FORMAT_VERSION)
    throw new VaultError(`This record file has an unknown format (version ${ciphertext[0]}).`);
  const key = await importRecordKey(recordKey, "decrypt");
  let envelope: Uint8Array<ArrayBuffer>;
  try {
    envelope = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bufferSource(ciphertext.slice(1, PREFIX_BYTES)), additionalData: additionalData() },
        key,
        bufferSource(ciphertext.subarray(PREFIX_BYTES)),
      ),
    );
  } catch {
    throw new VaultError("This record could not be decrypted: the key does not match or the file was changed.");
  }
  if (envelope.length < 4) throw new VaultError("The decrypted record is missing its header.");
  const headerLength = new DataView(envelope.buffer, envelope.byteOffset, 4).getUint32(0, false);
  if (headerLength > envelope.length - 4) throw new VaultError("The decrypted record's header is cut short.");
  const { name, type } = parseHeader(envelope.subarray(4, 4 + headerLength));
  return { bytes: envelope.subarray(4 + headerLength), name, type };
}
