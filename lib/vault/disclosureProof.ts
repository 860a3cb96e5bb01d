// Leaves and Merkle proofs of the disclosure log (one leaf per record served by the gateway). The tree hashes sorted
// pairs, as OpenZeppelin's MerkleProof does, so DisclosureLog.verifyDisclosure accepts the proofs built here; a level
// with an odd count promotes its last node unchanged. Isomorphic: the gateway builds, the portal verifies.
import { concat, encodeAbiParameters, isAddress, keccak256, type Address, type Hex } from "viem";
import { VaultError } from "./errors";

/** One served record, as the gateway logs it. */
export type DisclosureEntry = {
  seq: bigint;
  reader: Address;
  patient: Address;
  recordId: bigint;
  /** The purpose bit (one of consentCodes' PURPOSES). */
  purpose: number;
  /** Unix seconds. */
  servedAt: number;
  /** The request's UUID (X-Request-Id). */
  requestId: string;
};

/** Where an anchored disclosure sits on chain: its batch (root, seq range, transaction) and the leaf's proof. */
export type DisclosureAnchorInfo = { root: Hex; proof: Hex[]; fromSeq: number; toSeq: number; txHash: Hex };

/** One served record as the gateway lists it (GET /api/disclosures): ids as numbers, recordId decimal, its anchor. */
export type ListedDisclosure = Omit<DisclosureEntry, "seq" | "recordId"> & {
  /** The row's id, given when the read was served (the read's X-Disclosure-Id). */
  id: number;
  /** The log sequence number (the leaf's seq), given when the read's batch is planned; null until then. */
  seq: number | null;
  recordId: string;
  /** The block whose chain state the access decision was read at; null for reads logged before it was recorded. */
  decisionBlock: number | null;
  /** Null until the disclosure's batch is anchored. */
  anchor: DisclosureAnchorInfo | null;
};

export type MerkleTree = { root: Hex; proof: (index: number) => Hex[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

const LEAF_PARAMETERS = [
  { type: "uint64" },
  { type: "address" },
  { type: "address" },
  { type: "uint256" },
  { type: "uint8" },
  { type: "uint40" },
  { type: "bytes16" },
] as const;

function checkUint(value: bigint, bits: number, what: string): bigint {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new VaultError(`${what} must fit in uint${bits}.`);
  return value;
}

/** The UUID's 16 bytes as bytes16. */
export function requestIdBytes(requestId: string): Hex {
  if (!UUID.test(requestId)) throw new VaultError("A request id must be a UUID.");
  return `0x${requestId.replaceAll("-", "").toLowerCase()}`;
}

/** keccak256(bytes.concat(keccak256(abi.encode(seq, reader, patient, recordId, purpose, servedAt, requestId)))). */
export function disclosureLeaf(entry: DisclosureEntry): Hex {
  if (!isAddress(entry.reader, { strict: false }) || !isAddress(entry.patient, { strict: false }))
    throw new VaultError("A disclosure's reader and patient must be addresses.");
  if (!Number.isSafeInteger(entry.purpose) || !Number.isSafeInteger(entry.servedAt))
    throw new VaultError("A disclosure's purpose and time must be whole numbers.");
  const encoded = encodeAbiParameters(LEAF_PARAMETERS, [
    checkUint(entry.seq, 64, "seq"),
    entry.reader,
    entry.patient,
    checkUint(entry.recordId, 256, "recordId"),
    Number(checkUint(BigInt(entry.purpose), 8, "purpose")),
    Number(checkUint(BigInt(entry.servedAt), 40, "servedAt")),
    requestIdBytes(entry.requestId),
  ]);
  // Hashed twice, as OpenZeppelin recommends, so a leaf can never be mistaken for an inner node (64-byte preimage).
  return keccak256(keccak256(encoded));
}

/** OpenZeppelin's commutative pair hash: keccak256(abi.encodePacked(min(a, b), max(a, b))). */
function hashPair(a: Hex, b: Hex): Hex {
  return a < b ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

function normalize(hash: string, what: string): Hex {
  if (!BYTES32.test(hash)) throw new VaultError(`${what} is 0x and 64 hexadecimal digits.`);
  // Lowercase, so string order equals numeric order in hashPair.
  return hash.toLowerCase() as Hex;
}

/** The tree over one batch's leaves in seq order; proof(i) lists leaf i's sibling hashes bottom-up. */
export function merkleTree(leaves: readonly Hex[]): MerkleTree {
  if (leaves.length === 0) throw new VaultError("A Merkle tree needs at least one leaf.");
  const levels: Hex[][] = [leaves.map((leaf) => normalize(leaf, "A leaf"))];
  while (levels[levels.length - 1].length > 1) {
    const below = levels[levels.length - 1];
    const level: Hex[] = [];
    for (let i = 0; i < below.length; i += 2)
      level.push(i + 1 < below.length ? hashPair(below[i], below[i + 1]) : below[i]);
    levels.push(level);
  }
  const root = levels[levels.length - 1][0];

  function proof(index: number): Hex[] {
    if (!Number.isInteger(index) || index < 0 || index >= leaves.length)
      throw new VaultError(`No leaf ${index} in a tree of ${leaves.length}.`);
    const siblings: Hex[] = [];
    let position = index;
    for (const level of levels.slice(0, -1)) {
      const sibling = position ^ 1;
      // A promoted last node has no sibling on this level.
      if (sibling < level.length) siblings.push(level[sibling]);
      position >>= 1;
    }
    return siblings;
  }
  return { root, proof };
}

/** Whether `proof` leads from `leaf` to `root` (MerkleProof.verify); false for malformed input. */
export function verifyMerkleProof(leaf: string, proof: readonly string[], root: string): boolean {
  if (!BYTES32.test(leaf) || !BYTES32.test(root) || !proof.every((node) => BYTES32.test(node))) return false;
  const computed = proof.reduce<Hex>(
    (hash, sibling) => hashPair(hash, sibling.toLowerCase() as Hex),
    leaf.toLowerCase() as Hex,
  );
  return computed === root.toLowerCase();
}
