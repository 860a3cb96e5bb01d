// The portal's memory of gas-free signatures it could not see relayed, and when it cancels one after a revoke.
import { expect } from "chai";
import {
  cancellationPlan,
  forgetSignature,
  parseUnrelayedSignatures,
  rememberSignature,
  serializeUnrelayedSignatures,
  type UnrelayedSignature,
} from "@/app/_lib/unrelayedSignatures";

const ALICE = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const BOB = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
/** The chain's latest block time in every case below. */
const NOW = 1_768_469_400;

const signature = (patient: `0x${string}`, nonce: bigint, deadline: number): UnrelayedSignature => ({
  patient,
  nonce,
  deadline,
});

describe("unrelayed signatures", function () {
  describe("cancellationPlan", function () {
    it("cancels the patient's signature over the current nonce while its deadline is ahead", function () {
      const pending = signature(ALICE, 3n, NOW + 1800);
      expect(cancellationPlan([pending], ALICE, { nonce: 3n, now: NOW })).to.deep.equal({
        cancel: pending,
        keep: [pending],
      });
    });

    it("cancels one whose deadline is the very next second (the next block can still include it)", function () {
      const pending = signature(ALICE, 3n, NOW + 1);
      expect(cancellationPlan([pending], ALICE, { nonce: 3n, now: NOW }).cancel).to.deep.equal(pending);
    });

    it("cancels nothing and forgets a signature whose deadline has passed", function () {
      for (const deadline of [NOW, NOW - 1]) {
        expect(cancellationPlan([signature(ALICE, 3n, deadline)], ALICE, { nonce: 3n, now: NOW })).to.deep.equal({
          keep: [],
        });
      }
    });

    it("cancels nothing and forgets a signature whose nonce was spent (relayed, cancelled, or by revoke-all)", function () {
      expect(cancellationPlan([signature(ALICE, 3n, NOW + 1800)], ALICE, { nonce: 4n, now: NOW })).to.deep.equal({
        keep: [],
      });
    });

    it("leaves other patients' signatures alone unless their deadline passed", function () {
      const bobs = signature(BOB, 3n, NOW + 1800);
      const bobsExpired = signature(BOB, 2n, NOW - 5);
      expect(cancellationPlan([bobs, bobsExpired], ALICE, { nonce: 3n, now: NOW })).to.deep.equal({ keep: [bobs] });
    });

    it("matches the patient whatever the address's letter case", function () {
      const pending = signature(ALICE.toLowerCase() as `0x${string}`, 0n, NOW + 60);
      expect(cancellationPlan([pending], ALICE, { nonce: 0n, now: NOW }).cancel).to.deep.equal(pending);
    });

    it("cancels nothing when there is nothing remembered", function () {
      expect(cancellationPlan([], ALICE, { nonce: 0n, now: NOW })).to.deep.equal({ keep: [] });
    });
  });

  describe("remember and forget", function () {
    it("remembers a signature once, and forgets exactly it", function () {
      const first = signature(ALICE, 3n, NOW + 1800);
      const second = signature(ALICE, 4n, NOW + 1900);
      const list = rememberSignature(rememberSignature(rememberSignature([], first), second), first);
      expect(list).to.deep.equal([second, first]);
      expect(forgetSignature(list, first)).to.deep.equal([second]);
      expect(forgetSignature(list, signature(BOB, 3n, NOW + 1800))).to.deep.equal(list);
    });
  });

  describe("storage", function () {
    it("round-trips the list, nonces as decimal strings", function () {
      const list = [signature(ALICE, 2n ** 64n - 1n, NOW + 1800), signature(BOB, 0n, NOW + 5)];
      const stored = serializeUnrelayedSignatures(list);
      expect(JSON.parse(stored)[0].nonce).to.equal("18446744073709551615");
      expect(parseUnrelayedSignatures(stored)).to.deep.equal(list);
    });

    it("reads nothing from an absent, unreadable or malformed value, and drops malformed entries", function () {
      for (const raw of [null, "", "{", "42", '{"patient":"0x1"}', "null"]) {
        expect(parseUnrelayedSignatures(raw), String(raw)).to.deep.equal([]);
      }
      const good = { patient: ALICE, nonce: "1", deadline: NOW };
      const bad = [
        null,
        "x",
        { ...good, patient: "0x1234" },
        { ...good, nonce: 1 },
        { ...good, nonce: "-1" },
        { ...good, nonce: "1.5" },
        { ...good, deadline: "1" },
        { ...good, deadline: 1.5 },
        { ...good, deadline: -1 },
      ];
      expect(parseUnrelayedSignatures(JSON.stringify([...bad, good]))).to.deep.equal([signature(ALICE, 1n, NOW)]);
    });
  });
});
