// Content hashes and content URIs of record files, browser-safe (WebCrypto, no Node Buffer). The hash is
// SHA-256 of the (encrypted) file; its CIDv1 is spelled by lib/vault/cid.ts, the one CID encoder.
import type { Hex } from "viem";

/** 0x and 64 hexadecimal digits, not all zero: a content hash the RecordRegistry accepts. */
export const isContentHash = (text: string): text is Hex => /^0x[0-9a-f]{64}$/i.test(text) && !/^0x0{64}$/.test(text);

/** SHA-256 of a file's bytes, as a 0x-prefixed content hash (WebCrypto; works in the browser and in Node 20). */
export async function sha256OfFile(file: Blob | ArrayBuffer | Uint8Array): Promise<Hex> {
  const data =
    file instanceof Blob ? await file.arrayBuffer() : file instanceof Uint8Array ? new Uint8Array(file) : file;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return `0x${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
