import { expect } from "chai";
import { id } from "ethers";
import { EMERGENCY_REASONS, emergencyReasonHash, emergencyReasonOf } from "@/lib/emergency";

describe("emergency (break-glass reason codes)", function () {
  it("hashes each reason code as keccak256 of EMERGENCY:<code>, like ethers.id", function () {
    expect(EMERGENCY_REASONS.map((r) => r.code)).to.deep.equal([
      "UNCONSCIOUS_PATIENT",
      "CARDIAC_ARREST",
      "SEVERE_TRAUMA",
      "ACUTE_ALLERGIC_REACTION",
      "OTHER_LIFE_THREATENING",
    ]);
    for (const reason of EMERGENCY_REASONS) {
      expect(emergencyReasonHash(reason.code), reason.code).to.equal(id(`EMERGENCY:${reason.code}`));
    }
    expect(new Set(EMERGENCY_REASONS.map((r) => emergencyReasonHash(r.code))).size).to.equal(EMERGENCY_REASONS.length);
  });

  it("maps the seed's break-glass hash back to its reason in plain words", function () {
    // scripts/seed.ts: breakGlass(bob, ethers.id("EMERGENCY:UNCONSCIOUS_PATIENT"))
    expect(emergencyReasonOf(id("EMERGENCY:UNCONSCIOUS_PATIENT") as `0x${string}`)).to.deep.equal({
      code: "UNCONSCIOUS_PATIENT",
      label: "The patient is unconscious",
    });
  });

  it("maps every listed hash back, in either case", function () {
    for (const reason of EMERGENCY_REASONS) {
      const hash = emergencyReasonHash(reason.code);
      expect(emergencyReasonOf(hash)).to.equal(reason);
      expect(emergencyReasonOf(`0x${hash.slice(2).toUpperCase()}`)).to.equal(reason);
    }
  });

  it("knows no reason for a code outside the list, or a code hashed without its prefix", function () {
    expect(emergencyReasonOf(id("EMERGENCY:PAPERCUT") as `0x${string}`)).to.equal(undefined);
    expect(emergencyReasonOf(id("UNCONSCIOUS_PATIENT") as `0x${string}`)).to.equal(undefined);
    expect(emergencyReasonOf(`0x${"0".repeat(64)}`)).to.equal(undefined);
  });
});
