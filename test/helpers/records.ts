// Realistic record pointers for tests: the SHA-256 of a ciphertext and the CIDv1 that content-addresses it.
import { ethers } from "hardhat";
import { cidOfHash } from "@/lib/vault/cid";

/** The CIDv1 (raw codec, sha2-256 multihash) of a content hash: "bafkrei" followed by 52 characters, 59 in all. */
export const cidOf = cidOfHash;

export interface RecordPointer {
  contentHash: string;
  uri: string;
}

/** A record pointer for a stand-in ciphertext: its SHA-256 and its CIDv1. Distinct labels give distinct pointers. */
export function recordPointer(label: string): RecordPointer {
  const contentHash = ethers.sha256(ethers.toUtf8Bytes(`ciphertext:${label}`));
  return { contentHash, uri: cidOf(contentHash) };
}
