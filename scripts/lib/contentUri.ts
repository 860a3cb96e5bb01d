// The content URI of an encrypted record: CIDv1, raw codec, sha2-256 multihash of the ciphertext, base32.
import { createHash } from "node:crypto";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** SHA-256 of the bytes, as the 0x-prefixed content hash the RecordRegistry stores. */
export function contentHash(ciphertext: Uint8Array): `0x${string}` {
  return `0x${createHash("sha256").update(ciphertext).digest("hex")}`;
}

/** The CIDv1 (raw codec, sha2-256 multihash) of a 0x-prefixed SHA-256 content hash: "bafkrei…", 59 characters. */
export function cidOfHash(sha256Hash: string): string {
  const digest = Buffer.from(sha256Hash.slice(2), "hex");
  return `b${base32(new Uint8Array([0x01, 0x55, 0x12, 0x20, ...digest]))}`;
}

/** The CIDv1 (raw, sha2-256) of the bytes. */
export function contentUri(ciphertext: Uint8Array): string {
  return cidOfHash(contentHash(ciphertext));
}
