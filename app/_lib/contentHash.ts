// Content hashes and content URIs of record files, browser-safe (WebCrypto, no Node Buffer). Mirrors
// scripts/lib/contentUri.ts: the hash is SHA-256 of the (encrypted) file, the URI the CIDv1 (raw codec, sha2-256
// multihash, base32) of that hash.
import type { Hex } from "viem";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** 0x and 64 hexadecimal digits, not all zero: a content hash the RecordRegistry accepts. */
export const isContentHash = (text: string): text is Hex => /^0x[0-9a-f]{64}$/i.test(text) && !/^0x0{64}$/.test(text);

/** SHA-256 of a file's bytes, as a 0x-prefixed content hash (WebCrypto; works in the browser and in Node 20). */
export async function sha256OfFile(file: Blob | ArrayBuffer | Uint8Array): Promise<Hex> {
  const data =
    file instanceof Blob ? await file.arrayBuffer() : file instanceof Uint8Array ? new Uint8Array(file) : file;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return `0x${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The CIDv1 (raw codec, sha2-256 multihash) of a 0x SHA-256 content hash: "bafkrei…", 59 characters. */
export function cidOfHash(sha256Hash: Hex): string {
  if (!/^0x[0-9a-f]{64}$/i.test(sha256Hash)) throw new Error("A SHA-256 content hash is 0x and 64 hexadecimal digits.");
  const digest = Uint8Array.from(sha256Hash.slice(2).match(/../g)!, (pair) => parseInt(pair, 16));
  return `b${base32(new Uint8Array([0x01, 0x55, 0x12, 0x20, ...digest]))}`;
}
