// The FHIR mapping's round trips (every category, action and purpose: bits → codings → bits), the Consent ids, the
// status rules, security labels and the emergency Consent.
import { expect } from "chai";
import { getAddress, type Address, type Hex } from "viem";
import {
  ACTIONS,
  ALL_CATEGORIES,
  APPEND,
  CATEGORIES,
  EMERGENCY,
  PURPOSES,
  READ,
  ROUTINE_CATEGORIES,
  TREATMENT,
  RESEARCH,
} from "@/lib/consentCodes";
import {
  ACT_CODE_SYSTEM,
  ACT_REASON_SYSTEM,
  actionsToCodings,
  actorTypeOfKind,
  categoriesToClasses,
  categoriesToSecurityLabels,
  classesToCategories,
  codingsToActions,
  codingsToPurposes,
  codingToPurpose,
  CONSENT_ACTION_SYSTEM,
  DATA_CATEGORY_SYSTEM,
  purposesToCodings,
  purposeToCoding,
  REVOCATION_EXTENSION,
} from "@/lib/fhir/codes";
import {
  consentStatusOf,
  fhirConsentStatus,
  toEmergencyConsent,
  toFhirConsent,
  type ConsentFacts,
} from "@/lib/fhir/consent";
import { CONSENT_ID_LENGTH, consentId, emergencyConsentId, parseConsentId } from "@/lib/fhir/ids";

const PATIENT = getAddress("0x976EA74026E726554dB657fA54763abd0C3a0aa9");
const GRANTEE = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
const LEDGER = { chainId: 31337, consentRegistry: getAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3") };
const TX = `0x${"ab".repeat(32)}` as Hex;
const NOW = 1_750_000_000;
const DAY = 24 * 3600;

const bit = (n: number) => 1n << BigInt(n);

function facts(overrides: Partial<ConsentFacts["consent"]> = {}, extra: Partial<ConsentFacts> = {}): ConsentFacts {
  return {
    ledger: LEDGER,
    consent: {
      patient: PATIENT,
      grantee: GRANTEE,
      categories: bit(4) | bit(2),
      actions: READ,
      purposes: TREATMENT,
      grantedAt: NOW - DAY,
      expiresAt: NOW + 30 * DAY,
      state: "active",
      summary: "may read medications and lab results for treatment until 1 Jan 2026",
      ...overrides,
    },
    grantee: { name: "Northside Family Practice", kind: 1 },
    ...extra,
  };
}

describe("FHIR mapping (lib/fhir)", function () {
  describe("round trips", function () {
    it("every purpose: bit → v3-ActReason coding → bit", function () {
      for (const purpose of PURPOSES) {
        const coding = purposeToCoding(purpose.bit);
        expect(coding.system).to.equal(ACT_REASON_SYSTEM);
        expect(coding.code).to.equal(purpose.hl7);
        expect(codingToPurpose(coding)).to.equal(purpose.bit);
      }
      expect(PURPOSES.map((p) => purposeToCoding(p.bit).code)).to.deep.equal([
        "TREAT",
        "HPAYMT",
        "HOPERAT",
        "HRESCH",
        "PUBHLTH",
        "ETREAT",
      ]);
      for (let mask = 0; mask < 64; mask++) expect(codingsToPurposes(purposesToCodings(mask))).to.equal(mask);
      expect(codingToPurpose({ system: "http://example.org", code: "TREAT" })).to.equal(undefined);
      expect(() => purposeToCoding(3)).to.throw(RangeError);
    });

    it("every action: READ → access, APPEND → collect and correct, and back", function () {
      const codes = (mask: number) => actionsToCodings(mask).map((a) => a.coding![0].code);
      expect(codes(READ)).to.deep.equal(["access"]);
      expect(codes(APPEND)).to.deep.equal(["collect", "correct"]);
      expect(codes(READ | APPEND)).to.deep.equal(["access", "collect", "correct"]);
      for (const action of ACTIONS) {
        for (const concept of actionsToCodings(action.bit)) {
          expect(concept.coding![0].system).to.equal(CONSENT_ACTION_SYSTEM);
        }
        expect(codingsToActions(actionsToCodings(action.bit))).to.equal(action.bit);
      }
      for (let mask = 0; mask < 4; mask++) expect(codingsToActions(actionsToCodings(mask))).to.equal(mask);
      // APPEND needs both of its codes.
      expect(codingsToActions([{ coding: [{ system: CONSENT_ACTION_SYSTEM, code: "collect" }] }])).to.equal(0);
    });

    it("every category: bit → provision.class coding → bit, singly and all together", function () {
      for (const category of CATEGORIES) {
        const [coding, ...rest] = categoriesToClasses(bit(category.bit));
        expect(rest).to.deep.equal([]);
        expect(coding).to.deep.equal({ system: DATA_CATEGORY_SYSTEM, code: category.key, display: category.label });
        expect(classesToCategories([coding])).to.equal(bit(category.bit));
      }
      for (const mask of [ALL_CATEGORIES, ROUTINE_CATEGORIES, bit(4) | bit(35), 0n]) {
        expect(classesToCategories(categoriesToClasses(mask))).to.equal(mask);
      }
      expect(classesToCategories([{ system: "http://example.org", code: "lab-results" }])).to.equal(0n);
    });

    it("ids: patient||grantee in 54 characters of [A-Za-z0-9-.], reversible; emergency- ids in 64", function () {
      const id = consentId({ patient: PATIENT, grantee: GRANTEE });
      expect(id)
        .to.have.length(CONSENT_ID_LENGTH)
        .and.match(/^[A-Za-z0-9\-.]{54}$/);
      expect(parseConsentId(id)).to.deep.equal({ patient: PATIENT, grantee: GRANTEE, emergency: false });
      const emergency = emergencyConsentId({ patient: PATIENT, grantee: GRANTEE });
      expect(emergency)
        .to.have.length(64)
        .and.match(/^emergency-[A-Za-z0-9\-.]{54}$/);
      expect(parseConsentId(emergency)).to.deep.equal({ patient: PATIENT, grantee: GRANTEE, emergency: true });
      // Edge bytes: all zeros and all ones use the first and last letters of the alphabet.
      const zero = "0x0000000000000000000000000000000000000000" as Address;
      const ones = getAddress("0xffffffffffffffffffffffffffffffffffffffff");
      for (const [patient, grantee] of [
        [zero, ones],
        [ones, zero],
        [GRANTEE, PATIENT],
      ] as const) {
        const pairId = consentId({ patient, grantee });
        expect(parseConsentId(pairId)).to.deep.equal({ patient, grantee, emergency: false });
      }
      expect(consentId({ patient: GRANTEE, grantee: PATIENT })).to.not.equal(id);
      // Not ids: wrong length, foreign characters, non-zero unused bits.
      for (const bad of ["", id.slice(1), `${id}A`, `${id.slice(0, -1)}_`, `${id.slice(0, -1)}B`, "emergency-x"]) {
        expect(parseConsentId(bad), bad).to.equal(undefined);
      }
    });
  });

  describe("status", function () {
    it("active while live (also expiring), inactive once expired or revoked", function () {
      expect(fhirConsentStatus("active")).to.equal("active");
      expect(fhirConsentStatus("expiring")).to.equal("active");
      expect(fhirConsentStatus("expired")).to.equal("inactive");
      expect(fhirConsentStatus("revoked")).to.equal("inactive");
    });

    it("from the stored slot: live, expired, revoked (cleared) and from an older epoch (revoke-all)", function () {
      expect(consentStatusOf({ expiresAt: NOW + DAY, epoch: 1 }, 1, NOW), "live").to.equal("active");
      expect(consentStatusOf({ expiresAt: NOW + 60, epoch: 1 }, 1, NOW), "expiring soon").to.equal("active");
      expect(consentStatusOf({ expiresAt: NOW, epoch: 1 }, 1, NOW), "expired (exclusive end)").to.equal("inactive");
      expect(consentStatusOf({ expiresAt: NOW - DAY, epoch: 1 }, 1, NOW), "expired").to.equal("inactive");
      expect(consentStatusOf({ expiresAt: 0, epoch: 1 }, 1, NOW), "revoked").to.equal("inactive");
      expect(consentStatusOf({ expiresAt: NOW + DAY, epoch: 0 }, 1, NOW), "older epoch").to.equal("inactive");
    });

    it("maps the state into the Consent, with a revocation extension and period end when revoked", function () {
      expect(toFhirConsent(facts()).status).to.equal("active");
      expect(toFhirConsent(facts({ state: "expired", expiresAt: NOW - 1 })).status).to.equal("inactive");
      const revokedAll = toFhirConsent(
        facts(
          { state: "revoked" },
          { revocation: { method: "revoke-all", at: NOW - 3600, by: PATIENT, transactionHash: TX } },
        ),
      );
      expect(revokedAll.status).to.equal("inactive");
      expect(revokedAll.provision!.period!.end).to.equal(
        new Date((NOW - 3600) * 1000).toISOString().replace(".000Z", "Z"),
      );
      const extension = revokedAll.extension!.find((e) => e.url === REVOCATION_EXTENSION)!;
      expect(extension.extension!.find((e) => e.url === "method")!.valueCode).to.equal("revoke-all");
      expect(extension.extension!.find((e) => e.url === "transaction")!.valueString).to.equal(TX);
      expect(revokedAll.text!.div).to.include("revoked all consents");
      const revoked = toFhirConsent(
        facts({ state: "revoked" }, { revocation: { method: "revoke", at: NOW - 60, transactionHash: TX } }),
      );
      expect(revoked.extension![0].extension!.find((e) => e.url === "method")!.valueCode).to.equal("revoke");
    });
  });

  describe("Consent", function () {
    it("maps scope, category, patient, dateTime, policy and the provision's period, actor, action, purpose, class", function () {
      const consent = toFhirConsent(
        facts({ actions: READ | APPEND, purposes: TREATMENT | RESEARCH }, { grantedBy: PATIENT }),
      );
      expect(consent.id).to.equal(consentId({ patient: PATIENT, grantee: GRANTEE }));
      expect(consent.scope!.coding![0]).to.include({ code: "patient-privacy" });
      expect(consent.category[0].coding![0]).to.include({ system: "http://loinc.org", code: "59284-0" });
      expect(consent.patient!.identifier!.value).to.equal(PATIENT);
      expect(consent.dateTime).to.equal(new Date((NOW - DAY) * 1000).toISOString().replace(".000Z", "Z"));
      expect(consent.policy![0].uri).to.equal(`eip155:31337:${LEDGER.consentRegistry}`);
      const provision = consent.provision!;
      expect(provision.type).to.equal("permit");
      expect(provision.actor![0].role.coding![0].code).to.equal("IRCP");
      expect(provision.actor![0].reference).to.deep.include({
        type: "Organization",
        display: "Northside Family Practice",
      });
      expect(provision.actor![0].reference.identifier!.value).to.equal(GRANTEE);
      expect(codingsToActions(provision.action!)).to.equal(READ | APPEND);
      expect(codingsToPurposes(provision.purpose!)).to.equal(TREATMENT | RESEARCH);
      expect(classesToCategories(provision.class!)).to.equal(bit(4) | bit(2));
      expect(provision.securityLabel, "no labels for routine data").to.equal(undefined);
      expect(consent.performer![0].identifier!.value).to.equal(PATIENT);
    });

    it("a clinician is a Practitioner, every other kind an Organization", function () {
      expect([0, 1, 2, 3, 4].map(actorTypeOfKind)).to.deep.equal([
        "Practitioner",
        "Organization",
        "Organization",
        "Organization",
        "Organization",
      ]);
    });

    it("sensitive categories carry their v3-ActCode security labels", function () {
      const expected: Record<string, string> = {
        "mental-health": "PSY",
        "substance-use": "ETH",
        "sexual-reproductive-health": "SEX",
        "genetic-data": "GDIS",
        "infectious-disease": "HIV",
      };
      for (const category of CATEGORIES) {
        const labels = categoriesToSecurityLabels(bit(category.bit));
        if (category.sensitive) {
          expect(labels, category.key).to.have.length(1);
          expect(labels[0]).to.include({ system: ACT_CODE_SYSTEM, code: expected[category.key] });
        } else {
          expect(labels, category.key).to.deep.equal([]);
        }
      }
      const consent = toFhirConsent(facts({ categories: bit(35) | bit(4) }));
      expect(consent.provision!.securityLabel!.map((l) => l.code)).to.deep.equal(["GDIS"]);
      expect(classesToCategories(consent.provision!.class!)).to.equal(bit(35) | bit(4));
    });
  });

  describe("emergency Consent", function () {
    const emergency = (overrides: { now?: number; closedAt?: number } = {}) =>
      toEmergencyConsent({
        ledger: LEDGER,
        patient: PATIENT,
        grantee: GRANTEE,
        provider: { name: "St. Mary's Hospital", kind: 1 },
        usedAt: NOW - 3600,
        expiresAt: NOW - 3600 + DAY,
        reasonHash: `0x${"01".repeat(32)}`,
        reasonCode: "UNCONSCIOUS_PATIENT",
        reasonLabel: "The patient is unconscious",
        transactionHash: TX,
        now: overrides.now ?? NOW,
        closedAt: overrides.closedAt,
      });

    it("permits reading routine data (never sensitive) for ETREAT during the window; active while it is open", function () {
      const consent = emergency();
      expect(consent.id).to.equal(emergencyConsentId({ patient: PATIENT, grantee: GRANTEE }));
      expect(consent.status).to.equal("active");
      expect(codingsToPurposes(consent.provision!.purpose!)).to.equal(EMERGENCY);
      expect(consent.provision!.purpose![0].code).to.equal("ETREAT");
      expect(codingsToActions(consent.provision!.action!)).to.equal(READ);
      expect(classesToCategories(consent.provision!.class!)).to.equal(ROUTINE_CATEGORIES);
      expect(consent.provision!.securityLabel).to.equal(undefined);
      expect(consent.provision!.period).to.deep.equal({
        start: new Date((NOW - 3600) * 1000).toISOString().replace(".000Z", "Z"),
        end: new Date((NOW - 3600 + DAY) * 1000).toISOString().replace(".000Z", "Z"),
      });
    });

    it("is inactive once the window has ended or the patient turned emergency access off", function () {
      expect(emergency({ now: NOW + DAY }).status).to.equal("inactive");
      const closed = emergency({ closedAt: NOW - 60 });
      expect(closed.status).to.equal("inactive");
      expect(closed.provision!.period!.end).to.equal(new Date((NOW - 60) * 1000).toISOString().replace(".000Z", "Z"));
    });
  });
});
