// The disclosure log's leaf and Merkle tree (design section 2) for contract tests: OpenZeppelin MerkleProof pairing
// (keccak256 of the sorted pair), a level with an odd count promotes its last node unchanged, proofs are the sibling
// hashes bottom-up. The portal and gateway have their own implementation in lib/vault/disclosureProof.ts.
import { ethers } from "hardhat";

/** One disclosure as the gateway logs it. `requestId` is the request UUID's 16 bytes as hex. */
export interface Disclosure {
  seq: bigint;
  reader: string;
  patient: string;
  recordId: bigint;
  purpose: number;
  servedAt: number;
  requestId: string;
}

const LEAF_TYPES = ["uint64", "address", "address", "uint256", "uint8", "uint40", "bytes16"] as const;

/** keccak256(bytes.concat(keccak256(abi.encode(seq, reader, patient, recordId, purpose, servedAt, requestId)))). */
export function disclosureLeaf(d: Disclosure): string {
  const encoded = ethers.AbiCoder.defaultAbiCoder().encode(LEAF_TYPES, [
    d.seq,
    d.reader,
    d.patient,
    d.recordId,
    d.purpose,
    d.servedAt,
    d.requestId,
  ]);
  return ethers.keccak256(ethers.keccak256(encoded));
}

/** OpenZeppelin's commutative pair hash: keccak256 of the two words, smaller first. */
export function hashPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? ethers.keccak256(ethers.concat([a, b])) : ethers.keccak256(ethers.concat([b, a]));
}

/** The tree over `leaves` in order: its root, and each leaf's proof. */
export function merkleTree(leaves: string[]): { root: string; proof(index: number): string[] } {
  if (leaves.length === 0) throw new Error("a batch has at least one leaf");
  const levels: string[][] = [leaves];
  while (levels[levels.length - 1].length > 1) {
    const below = levels[levels.length - 1];
    const level: string[] = [];
    for (let i = 0; i < below.length; i += 2)
      level.push(i + 1 < below.length ? hashPair(below[i], below[i + 1]) : below[i]);
    levels.push(level);
  }
  return {
    root: levels[levels.length - 1][0],
    proof(index: number) {
      if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new Error(`no leaf ${index}`);
      const proof: string[] = [];
      for (const level of levels.slice(0, -1)) {
        const sibling = index ^ 1;
        // The last node of an odd level has no sibling: it is promoted, and the proof gains nothing.
        if (sibling < level.length) proof.push(level[sibling]);
        index >>= 1;
      }
      return proof;
    },
  };
}

/** Recomputes the root from a leaf and its proof, as MerkleProof.processProof does. */
export function processProof(leaf: string, proof: string[]): string {
  return proof.reduce((node, sibling) => hashPair(node, sibling), leaf);
}

/** `count` realistic disclosures from `fromSeq` on: one reader, one patient, records 1.., a UUID-like request id each. */
export function disclosures(fromSeq: bigint, count: number, reader: string, patient: string, servedAt: number) {
  return Array.from({ length: count }, (_, i): Disclosure => {
    const seq = fromSeq + BigInt(i);
    return {
      seq,
      reader,
      patient,
      recordId: BigInt(i + 1),
      purpose: 1,
      servedAt: servedAt + i,
      requestId: ethers.dataSlice(ethers.id(`request ${seq}`), 0, 16),
    };
  });
}
