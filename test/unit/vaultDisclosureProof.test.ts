import { expect } from "chai";
import { AbiCoder, keccak256 as ethersKeccak, solidityPackedKeccak256 } from "ethers";
import type { Hex } from "viem";
import {
  disclosureLeaf,
  merkleTree,
  requestIdBytes,
  verifyMerkleProof,
  VaultError,
  type DisclosureEntry,
} from "@/lib/vault";

const READER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const PATIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

function entry(seq: number): DisclosureEntry {
  const hex = (seq * 0x1234567 + 0xabcdef).toString(16).padStart(12, "0").slice(-12);
  return {
    seq: BigInt(seq),
    reader: READER,
    patient: PATIENT,
    recordId: BigInt(seq % 4) + 1n,
    purpose: 1 << (seq % 6),
    servedAt: 1_767_225_600 + seq * 61,
    requestId: `1b4e28ba-2fa1-4d2c-883f-${hex}`,
  };
}

// --- An independent reference, written with ethers rather than viem, and structured differently: the tree that
// bottom-up pairing with promotion of an odd last node builds is the left-balanced one (RFC 6962), where the left
// subtree holds the largest power of two of leaves smaller than n.
function referenceLeaf(e: DisclosureEntry): string {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["uint64", "address", "address", "uint256", "uint8", "uint40", "bytes16"],
    [e.seq, e.reader, e.patient, e.recordId, e.purpose, e.servedAt, `0x${e.requestId.replaceAll("-", "")}`],
  );
  return ethersKeccak(ethersKeccak(encoded));
}
function referencePair(a: string, b: string): string {
  const [low, high] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  return solidityPackedKeccak256(["bytes32", "bytes32"], [low, high]);
}
const largestPowerOfTwoBelow = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
function referenceRoot(leaves: string[]): string {
  if (leaves.length === 1) return leaves[0];
  const k = largestPowerOfTwoBelow(leaves.length);
  return referencePair(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}
function referenceProof(leaves: string[], index: number): string[] {
  if (leaves.length === 1) return [];
  const k = largestPowerOfTwoBelow(leaves.length);
  return index < k
    ? [...referenceProof(leaves.slice(0, k), index), referenceRoot(leaves.slice(k))]
    : [...referenceProof(leaves.slice(k), index - k), referenceRoot(leaves.slice(0, k))];
}
function referenceVerify(leaf: string, proof: string[], root: string): boolean {
  return proof.reduce(referencePair, leaf) === root;
}

describe("vault/disclosureProof", function () {
  describe("disclosureLeaf", function () {
    it("is keccak256(keccak256(abi.encode(seq, reader, patient, recordId, purpose, servedAt, requestId)))", function () {
      for (let seq = 1; seq <= 20; seq++) expect(disclosureLeaf(entry(seq))).to.equal(referenceLeaf(entry(seq)));
      const extreme: DisclosureEntry = {
        seq: 2n ** 64n - 1n,
        reader: READER.toLowerCase() as Hex,
        patient: PATIENT,
        recordId: 2n ** 256n - 1n,
        purpose: 255,
        servedAt: 2 ** 40 - 1,
        requestId: "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF",
      };
      expect(disclosureLeaf(extreme)).to.equal(
        referenceLeaf({ ...extreme, requestId: extreme.requestId.toLowerCase() }),
      );
    });

    it("changes with every field", function () {
      const base = entry(7);
      const variants: DisclosureEntry[] = [
        { ...base, seq: 8n },
        { ...base, reader: PATIENT },
        { ...base, patient: READER },
        { ...base, recordId: base.recordId + 1n },
        { ...base, purpose: base.purpose === 1 ? 2 : 1 },
        { ...base, servedAt: base.servedAt + 1 },
        { ...base, requestId: "00000000-0000-4000-8000-000000000000" },
      ];
      const leaves = new Set([base, ...variants].map(disclosureLeaf));
      expect(leaves.size).to.equal(variants.length + 1);
    });

    it("rejects values that do not fit their Solidity types", function () {
      const base = entry(1);
      for (const bad of [
        { ...base, seq: -1n },
        { ...base, seq: 2n ** 64n },
        { ...base, purpose: 256 },
        { ...base, purpose: 1.5 },
        { ...base, servedAt: 2 ** 40 },
        { ...base, recordId: -1n },
        { ...base, reader: "0x1234" as Hex },
        { ...base, requestId: "not-a-uuid" },
        { ...base, requestId: "1b4e28ba2fa14d2c883f0123456789ab" },
      ])
        expect(
          () => disclosureLeaf(bad),
          JSON.stringify(bad, (_, v) => (typeof v === "bigint" ? `${v}` : v)),
        ).to.throw(VaultError);
      expect(requestIdBytes("1B4E28BA-2FA1-4D2C-883F-0123456789AB")).to.equal("0x1b4e28ba2fa14d2c883f0123456789ab");
    });
  });

  describe("merkleTree", function () {
    for (let count = 1; count <= 9; count++) {
      it(`matches the reference tree and proofs for ${count} leaves, and every proof verifies`, function () {
        const leaves = Array.from({ length: count }, (_, i) => disclosureLeaf(entry(i + 1)));
        const tree = merkleTree(leaves);
        expect(tree.root).to.equal(referenceRoot(leaves));
        for (let i = 0; i < count; i++) {
          const proof = tree.proof(i);
          expect(proof, `leaf ${i}`).to.deep.equal(referenceProof(leaves, i));
          expect(proof.length, `leaf ${i}`).to.be.at.most(Math.ceil(Math.log2(count)));
          expect(verifyMerkleProof(leaves[i], proof, tree.root), `leaf ${i}`).to.equal(true);
          expect(referenceVerify(leaves[i], proof, tree.root), `leaf ${i}`).to.equal(true);
        }
      });
    }

    it("spells out the small trees: one leaf is its own root, odd last nodes are promoted", function () {
      const [a, b, c, d, e] = Array.from({ length: 5 }, (_, i) => disclosureLeaf(entry(i + 1)));
      const h = referencePair;
      expect(merkleTree([a]).root).to.equal(a);
      expect(merkleTree([a]).proof(0)).to.deep.equal([]);
      expect(merkleTree([a, b]).root).to.equal(h(a, b));
      expect(merkleTree([a, b, c]).root).to.equal(h(h(a, b), c));
      expect(merkleTree([a, b, c]).proof(2)).to.deep.equal([h(a, b)]);
      expect(merkleTree([a, b, c, d]).root).to.equal(h(h(a, b), h(c, d)));
      expect(merkleTree([a, b, c, d, e]).root).to.equal(h(h(h(a, b), h(c, d)), e));
      expect(merkleTree([a, b, c, d, e]).proof(4)).to.deep.equal([h(h(a, b), h(c, d))]);
      expect(merkleTree([a, b, c, d, e]).proof(1)).to.deep.equal([a, h(c, d), e]);
    });

    it("accepts leaves in upper case and gives lowercase hashes", function () {
      const leaves = [1, 2, 3].map((seq) => disclosureLeaf(entry(seq)));
      const upper = leaves.map((leaf) => `0x${leaf.slice(2).toUpperCase()}` as Hex);
      expect(merkleTree(upper).root).to.equal(merkleTree(leaves).root);
    });

    it("refuses an empty batch, malformed leaves and missing indexes", function () {
      expect(() => merkleTree([])).to.throw(VaultError);
      expect(() => merkleTree(["0x1234"])).to.throw(VaultError);
      const tree = merkleTree([disclosureLeaf(entry(1)), disclosureLeaf(entry(2))]);
      for (const index of [-1, 2, 0.5]) expect(() => tree.proof(index), `${index}`).to.throw(VaultError);
    });
  });

  describe("verifyMerkleProof", function () {
    const leaves = Array.from({ length: 7 }, (_, i) => disclosureLeaf(entry(i + 1)));
    const tree = merkleTree(leaves);

    it("rejects tampered proofs, wrong leaves and wrong roots", function () {
      for (let i = 0; i < leaves.length; i++) {
        const proof = tree.proof(i);
        expect(verifyMerkleProof(leaves[(i + 1) % leaves.length], proof, tree.root), `other leaf ${i}`).to.equal(false);
        expect(verifyMerkleProof(leaves[i], proof, leaves[i]), `leaf as root ${i}`).to.equal(false);
        expect(verifyMerkleProof(leaves[i], proof.slice(0, -1), tree.root), `short proof ${i}`).to.equal(false);
        expect(verifyMerkleProof(leaves[i], [...proof, leaves[i]], tree.root), `long proof ${i}`).to.equal(false);
        expect(verifyMerkleProof(leaves[i], [...proof].reverse(), tree.root), `reordered ${i}`).to.equal(
          proof.length < 2,
        );
        for (let j = 0; j < proof.length; j++) {
          const tampered = [...proof];
          const last = parseInt(tampered[j].slice(-1), 16);
          tampered[j] = `${tampered[j].slice(0, -1)}${(last ^ 1).toString(16)}` as Hex;
          expect(verifyMerkleProof(leaves[i], tampered, tree.root), `tampered ${i}/${j}`).to.equal(false);
        }
      }
    });

    it("is false, not an exception, for malformed input", function () {
      expect(verifyMerkleProof("0x12", tree.proof(0), tree.root)).to.equal(false);
      expect(verifyMerkleProof(leaves[0], ["0xzz"], tree.root)).to.equal(false);
      expect(verifyMerkleProof(leaves[0], tree.proof(0), "")).to.equal(false);
    });

    it("accepts any letter case", function () {
      const upper = (hex: string) => `0x${hex.slice(2).toUpperCase()}`;
      expect(verifyMerkleProof(upper(leaves[3]), tree.proof(3).map(upper), upper(tree.root))).to.equal(true);
    });
  });
});
