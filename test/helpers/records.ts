// Realistic record pointers for tests: the SHA-256 of a ciphertext and the CIDv1 that content-addresses it.
import { ethers } from "hardhat";

const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** RFC 4648 base32, lowercase, unpadded: the multibase "b" encoding IPFS uses for CIDv1. */
function base32(bytes: Uint8Array): string {
  let output = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += BASE32_ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) output += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return output;
}

/** The CIDv1 (raw codec, sha2-256 multihash) of a content hash: "bafkrei" followed by 52 characters, 59 in all. */
export function cidOf(contentHash: string): string {
  const cid = ethers.concat(["0x01", "0x55", "0x12", "0x20", contentHash]);
  return "b" + base32(ethers.getBytes(cid));
}

export interface RecordPointer {
  contentHash: string;
  uri: string;
}

/** A record pointer for a stand-in ciphertext: its SHA-256 and its CIDv1. Distinct labels give distinct pointers. */
export function recordPointer(label: string): RecordPointer {
  const contentHash = ethers.sha256(ethers.toUtf8Bytes(`ciphertext:${label}`));
  return { contentHash, uri: cidOf(contentHash) };
}
