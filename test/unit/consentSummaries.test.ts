import { expect } from "chai";
import { EXPIRING_WITHIN, isRevoked, liveConsentState, summarizeConsent } from "@/lib/consentClient";
import { parseCategories, ROUTINE_CATEGORIES } from "@/lib/consentCodes";

const DEC_24_2026 = Date.UTC(2026, 11, 24, 12) / 1000;

describe("consent summaries and state", function () {
  it("says what a consent allows, in plain words", function () {
    const terms = {
      categories: parseCategories("lab-results,medications"),
      actions: 1,
      purposes: 1,
      expiresAt: DEC_24_2026,
    };
    expect(summarizeConsent(terms)).to.equal("may read medications and lab results for treatment until 24 Dec 2026");
    expect(summarizeConsent(terms, "your")).to.equal(
      "may read your medications and lab results for treatment until 24 Dec 2026",
    );
    expect(summarizeConsent({ ...terms, categories: ROUTINE_CATEGORIES }, "your")).to.equal(
      "may read all your routine data for treatment until 24 Dec 2026",
    );
  });

  it("is live strictly before expiresAt, expiring within 7 days, expired at expiresAt", function () {
    const expiresAt = 1_000_000;
    expect(liveConsentState(expiresAt, expiresAt - EXPIRING_WITHIN - 1)).to.equal("active");
    expect(liveConsentState(expiresAt, expiresAt - EXPIRING_WITHIN)).to.equal("expiring");
    expect(liveConsentState(expiresAt, expiresAt - 1)).to.equal("expiring");
    expect(liveConsentState(expiresAt, expiresAt)).to.equal("expired");
    expect(liveConsentState(expiresAt, expiresAt + 1)).to.equal("expired");
  });

  it("treats a cleared slot or an older epoch as revoked", function () {
    expect(isRevoked({ expiresAt: 0, epoch: 0 }, 0)).to.equal(true);
    expect(isRevoked({ expiresAt: 5, epoch: 0 }, 1)).to.equal(true);
    expect(isRevoked({ expiresAt: 5, epoch: 1 }, 1)).to.equal(false);
  });
});
