// The emergency escrow's pure parts: which categories may have an escrow copy, the portal's check of the announced
// escrow key against the chain, and the gateway's in-memory re-wrap of a copy for the provider who broke the glass.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import type { Hex } from "viem";
import { CATEGORIES } from "@/lib/consentCodes";
import { publicKeyToHex, unwrapRecordKey, VaultError, WRAPPED_KEY_LENGTH, wrapRecordKey } from "@/lib/vault";
import { checkedEscrowKey, isEscrowCategory, rewrapEscrowCopy } from "@/lib/vault/escrow";

const hashOf = (text: string): Hex => `0x${createHash("sha256").update(text).digest("hex")}`;
const keyPairFrom = (seed: string) => {
  const secretKey = Uint8Array.from(createHash("sha256").update(seed).digest());
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
};
const RECORD_HASH = hashOf("ciphertext of the allergy record");
const OTHER_HASH = hashOf("ciphertext of another record");
const RECORD_KEY = Uint8Array.from(createHash("sha256").update("allergy record key").digest());

describe("vault/escrow", function () {
  const escrow = keyPairFrom("escrow");
  const hospital = keyPairFrom("hospital");
  const stranger = keyPairFrom("stranger");

  describe("isEscrowCategory", function () {
    it("allows the routine categories 0-12 and never a sensitive one (32-36)", function () {
      const allowed = CATEGORIES.filter((c) => isEscrowCategory(c.bit)).map((c) => c.bit);
      expect(allowed).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      for (const category of CATEGORIES.filter((c) => c.sensitive))
        expect(isEscrowCategory(category.bit)).to.equal(false);
    });

    it("refuses bits no category uses, negative and fractional numbers", function () {
      for (const value of [13, 31, 37, 63, 64, -1, 1.5, Number.NaN])
        expect(isEscrowCategory(value), String(value)).to.equal(false);
    });
  });

  describe("rewrapEscrowCopy", function () {
    const copy = wrapRecordKey(RECORD_KEY, escrow.publicKey, RECORD_HASH);

    it("turns an escrow copy into a key the hospital opens, and the hospital alone", function () {
      const forHospital = rewrapEscrowCopy(copy, escrow.secretKey, RECORD_HASH, hospital.publicKey);
      expect(forHospital.length).to.equal(WRAPPED_KEY_LENGTH);
      expect(Buffer.from(forHospital).equals(Buffer.from(copy))).to.equal(false);
      expect(Buffer.from(unwrapRecordKey(forHospital, hospital.secretKey, RECORD_HASH))).to.deep.equal(
        Buffer.from(RECORD_KEY),
      );
      expect(() => unwrapRecordKey(forHospital, escrow.secretKey, RECORD_HASH)).to.throw(VaultError);
      expect(() => unwrapRecordKey(forHospital, stranger.secretKey, RECORD_HASH)).to.throw(VaultError);
    });

    it("refuses a copy for another record, one not made for the escrow key, and a changed one", function () {
      expect(() => rewrapEscrowCopy(copy, escrow.secretKey, OTHER_HASH, hospital.publicKey)).to.throw(VaultError);
      const forStranger = wrapRecordKey(RECORD_KEY, stranger.publicKey, RECORD_HASH);
      expect(() => rewrapEscrowCopy(forStranger, escrow.secretKey, RECORD_HASH, hospital.publicKey)).to.throw(
        VaultError,
      );
      const changed = Uint8Array.from(copy);
      changed[changed.length - 1] ^= 1;
      expect(() => rewrapEscrowCopy(changed, escrow.secretKey, RECORD_HASH, hospital.publicKey)).to.throw(VaultError);
    });
  });

  describe("checkedEscrowKey", function () {
    const announced = {
      address: "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199",
      publicKey: publicKeyToHex(escrow.publicKey),
    };

    it("gives the key to wrap for when the chain shows the same key for the gateway's address", function () {
      const key = checkedEscrowKey(announced, announced.publicKey.toUpperCase().replace("0X", "0x"));
      expect(Buffer.from(key)).to.deep.equal(Buffer.from(escrow.publicKey));
    });

    it("refuses a key the chain does not show, and a gateway whose key is not published", function () {
      expect(() => checkedEscrowKey(announced, publicKeyToHex(stranger.publicKey))).to.throw(VaultError, /not the one/);
      expect(() => checkedEscrowKey(announced, null)).to.throw(VaultError, /not published/);
    });
  });
});
