import { expect } from "chai";
import {
  ALL_CATEGORIES,
  CATEGORIES,
  CodeError,
  ROUTINE_CATEGORIES,
  SENSITIVE_CATEGORIES,
  categoriesOf,
  describeActions,
  describeCategories,
  describePurposes,
  parseActions,
  parseCategories,
  parseProviderKind,
  parsePurposes,
} from "@/lib/consentCodes";

describe("consentCodes (bitmasks to labels and back)", function () {
  it("round-trips every category name to its bit and back", function () {
    for (const category of CATEGORIES) {
      const mask = parseCategories(category.key);
      expect(mask).to.equal(1n << BigInt(category.bit));
      expect(categoriesOf(mask).map((c) => c.key)).to.deep.equal([category.key]);
    }
  });

  it("keeps the sensitive categories out of the routine shortcut", function () {
    expect(parseCategories("routine")).to.equal(ROUTINE_CATEGORIES);
    expect(ROUTINE_CATEGORIES & SENSITIVE_CATEGORIES).to.equal(0n);
    expect(categoriesOf(SENSITIVE_CATEGORIES).every((c) => c.sensitive)).to.equal(true);
    expect(categoriesOf(ALL_CATEGORIES)).to.have.length(18);
  });

  it("accepts lists, numbers and hex masks", function () {
    expect(parseCategories("lab-results, medications")).to.equal(0b10100n);
    expect(parseCategories("20")).to.equal(20n);
    expect(parseCategories("0x14")).to.equal(20n);
    expect(parseActions("read,append")).to.equal(3);
    expect(parsePurposes("research")).to.equal(8);
    expect(parsePurposes("32")).to.equal(32);
    expect(parseProviderKind("laboratory")).to.equal(2);
  });

  it("rejects unknown names, listing the valid ones", function () {
    expect(() => parseCategories("lab-result")).to.throw(CodeError, /Unknown category "lab-result".*lab-results/);
    expect(() => parseActions("write")).to.throw(CodeError, /read, append/);
    expect(() => parsePurposes("marketing")).to.throw(CodeError, /treatment, payment/);
    expect(() => parseProviderKind("dentist")).to.throw(CodeError, /clinician, organization/);
  });

  it("describes masks in plain words", function () {
    expect(describeCategories(parseCategories("medications,lab-results,imaging"))).to.equal(
      "medications, lab results and imaging",
    );
    expect(describeCategories(ROUTINE_CATEGORIES)).to.equal("all routine data");
    expect(describeActions(3)).to.equal("read and add records to");
    expect(describePurposes(1 | 8)).to.equal("treatment and research");
  });
});
