// Content hash and content URI of a record file in Node (synchronous): the SHA-256 of the ciphertext and its CIDv1.
// The CID encoding itself is the portal's browser-safe one (lib/vault/cid.ts), so scripts, tests, the gateway
// and the portal agree by construction.
import { createHash } from "node:crypto";
import { cidOfHash } from "@/lib/vault/cid";

/** SHA-256 of the bytes, as the 0x-prefixed content hash the RecordRegistry stores. */
export function contentHash(ciphertext: Uint8Array): `0x${string}` {
  return `0x${createHash("sha256").update(ciphertext).digest("hex")}`;
}

/** The CIDv1 (raw, sha2-256) of the bytes. */
export function contentUri(ciphertext: Uint8Array): string {
  return cidOfHash(contentHash(ciphertext));
}
