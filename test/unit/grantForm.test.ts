import { expect } from "chai";
import { hashStruct, hashTypedData, keccak256, recoverTypedDataAddress, stringToBytes, verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { categoriesOf, parseCategories, ROUTINE_CATEGORIES, SENSITIVE_CATEGORIES } from "@/lib/consentCodes";
import {
  customDateBounds,
  dateInputValue,
  emptyGrantForm,
  endOfDay,
  expiresAtOf,
  EXPIRY_PRESETS,
  grantConsentArgs,
  grantFormFromConsent,
  hasAllRoutine,
  hasSensitive,
  isValid,
  MAX_CONSENT_DURATION,
  reviewSentence,
  setAllRoutine,
  toGrantArgs,
  toggleBit,
  toggleCategory,
  validateGrant,
  type GrantFormState,
} from "@/app/_lib/grantForm";
import {
  consentDomain,
  GRANT_CONSENT_TYPES,
  grantRelayBody,
  grantTypedData,
  REVOKE_CONSENT_TYPES,
  MAX_SIGNATURE_LIFETIME,
  SIGNATURE_LIFETIME,
  signatureDeadline,
} from "@/lib/consentSignatures";
import { parseRelayRequest } from "@/server/gateway/relay/relayRequest";

const DAY = 24 * 3600;
/** 15 Jan 2026, 09:30 UTC: the chain's clock in every case below. */
const NOW = Date.UTC(2026, 0, 15, 9, 30) / 1000;
/** The last second of 24 Dec 2026 (UTC). */
const DEC_24_2026_END = Date.UTC(2026, 11, 24, 23, 59, 59) / 1000;

// Hardhat test accounts, as in the seeded demo scene.
const ALICE_KEY = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
const ALICE = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const NORTHSIDE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const REGISTRY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

const LAB_AND_MEDS = parseCategories("lab-results,medications");

function validForm(overrides: Partial<GrantFormState> = {}): GrantFormState {
  return { ...emptyGrantForm(NORTHSIDE), categories: LAB_AND_MEDS, ...overrides };
}

describe("grantForm (the grant form as pure logic)", function () {
  describe("form state", function () {
    it("starts as read access for treatment for one year, with no provider and no data chosen", function () {
      expect(emptyGrantForm()).to.deep.equal({
        grantee: "",
        categories: 0n,
        actions: 1,
        purposes: 1,
        expiry: { kind: "preset", preset: "1y" },
      });
      expect(emptyGrantForm(NORTHSIDE).grantee).to.equal(NORTHSIDE);
    });

    it("toggles one category bit and one action or purpose bit", function () {
      const withImaging = toggleCategory(LAB_AND_MEDS, 6);
      expect(withImaging).to.equal(parseCategories("lab-results,medications,imaging"));
      expect(toggleCategory(withImaging, 6)).to.equal(LAB_AND_MEDS);
      expect(toggleCategory(0n, 32)).to.equal(parseCategories("mental-health"));
      expect(toggleBit(1, 2)).to.equal(3);
      expect(toggleBit(3, 1)).to.equal(2);
    });

    it("'all routine data' selects exactly bits 0–12 and never a sensitive category", function () {
      const all = setAllRoutine(0n, true);
      expect(all).to.equal(0x1fffn);
      expect(all).to.equal(ROUTINE_CATEGORIES);
      expect(categoriesOf(all)).to.have.length(13);
      expect(categoriesOf(all).some((c) => c.sensitive)).to.equal(false);
      expect(hasSensitive(all)).to.equal(false);
      expect(hasAllRoutine(all)).to.equal(true);
      expect(hasAllRoutine(all ^ 1n)).to.equal(false);
    });

    it("'all routine data' leaves the sensitive choices as they were, on and off", function () {
      const mentalHealth = parseCategories("mental-health");
      expect(setAllRoutine(mentalHealth | LAB_AND_MEDS, true)).to.equal(ROUTINE_CATEGORIES | mentalHealth);
      expect(setAllRoutine(ROUTINE_CATEGORIES | mentalHealth, false)).to.equal(mentalHealth);
      expect(setAllRoutine(SENSITIVE_CATEGORIES, false)).to.equal(SENSITIVE_CATEGORIES);
      expect(hasSensitive(mentalHealth)).to.equal(true);
    });

    it("prefills a change with the consent held now, as a custom end date", function () {
      const form = grantFormFromConsent(NORTHSIDE, {
        categories: LAB_AND_MEDS,
        actions: 3,
        purposes: 9,
        expiresAt: DEC_24_2026_END - 3600,
      });
      expect(form).to.deep.equal({
        grantee: NORTHSIDE,
        categories: LAB_AND_MEDS,
        actions: 3,
        purposes: 9,
        expiry: { kind: "custom", date: "2026-12-24" },
      });
      expect(expiresAtOf(form.expiry, NOW)).to.equal(DEC_24_2026_END);
    });
  });

  describe("expiry", function () {
    it("offers 1 week, 1 month, 6 months and 1 year, counted from now", function () {
      expect(EXPIRY_PRESETS.map((p) => p.label)).to.deep.equal(["1 week", "1 month", "6 months", "1 year"]);
      const expected = { "1w": 7, "1m": 30, "6m": 182, "1y": 365 };
      for (const preset of EXPIRY_PRESETS) {
        expect(expiresAtOf({ kind: "preset", preset: preset.key }, NOW), preset.key).to.equal(
          NOW + expected[preset.key] * DAY,
        );
      }
    });

    it("ends a custom date at the last second of that day (UTC)", function () {
      expect(endOfDay("2026-12-24")).to.equal(DEC_24_2026_END);
      expect(expiresAtOf({ kind: "custom", date: "2026-12-24" }, NOW)).to.equal(DEC_24_2026_END);
      expect(dateInputValue(DEC_24_2026_END)).to.equal("2026-12-24");
      expect(endOfDay("2028-02-29")).to.equal(Date.UTC(2028, 1, 29, 23, 59, 59) / 1000);
    });

    it("treats a missing or impossible custom date as no date", function () {
      for (const date of ["", "2026-02-30", "2026-13-01", "2027-02-29", "24/12/2026", "2026-1-5", "2026-12-24T10:00"]) {
        expect(endOfDay(date), date).to.equal(undefined);
        expect(validateGrant(validForm({ expiry: { kind: "custom", date } }), { now: NOW }).expiry, date).to.equal(
          "Choose an end date.",
        );
      }
    });

    it("bounds the custom date from today to 10 × 365 days ahead", function () {
      expect(MAX_CONSENT_DURATION).to.equal(3650 * DAY);
      // 3650 days after 15 Jan 2026 09:30 is 13 Jan 2036 09:30; the whole of that day would overshoot.
      expect(customDateBounds(NOW)).to.deep.equal({ min: "2026-01-15", max: "2036-01-12" });
    });

    it("accepts every day the date input offers and refuses the day after its maximum", function () {
      for (const now of [NOW, Date.UTC(2026, 0, 15) / 1000, Date.UTC(2026, 0, 15, 23, 59, 59) / 1000]) {
        const { min, max } = customDateBounds(now);
        for (const date of [min, max]) {
          const expiry = { kind: "custom", date } as const;
          expect(validateGrant(validForm({ expiry }), { now }), `${date} at ${now}`).to.deep.equal({});
        }
        const dayAfter = dateInputValue(endOfDay(max)! + 1);
        expect(validateGrant(validForm({ expiry: { kind: "custom", date: dayAfter } }), { now }).expiry).to.match(
          /^The end date can be at most 10 years ahead \(\d+ \w+ \d{4}\)\.$/,
        );
      }
    });

    it("accepts an end exactly 10 × 365 days ahead and refuses one second more", function () {
      // At 23:59:59 the last allowed moment is the end of a day, so that day is allowed.
      const now = Date.UTC(2026, 0, 15, 23, 59, 59) / 1000;
      const lastDay = dateInputValue(now + MAX_CONSENT_DURATION);
      expect(endOfDay(lastDay)).to.equal(now + MAX_CONSENT_DURATION);
      expect(customDateBounds(now).max).to.equal(lastDay);
      expect(validateGrant(validForm({ expiry: { kind: "custom", date: lastDay } }), { now })).to.deep.equal({});
      expect(validateGrant(validForm({ expiry: { kind: "custom", date: lastDay } }), { now: now - 1 }).expiry).to.equal(
        "The end date can be at most 10 years ahead (12 Jan 2036).",
      );
    });

    it("refuses an end date that has passed", function () {
      const errors = validateGrant(validForm({ expiry: { kind: "custom", date: "2026-01-14" } }), { now: NOW });
      expect(errors).to.deep.equal({ expiry: "The end date must be in the future." });
    });
  });

  describe("validation", function () {
    it("has no errors for a complete form", function () {
      const errors = validateGrant(validForm(), { now: NOW, patient: ALICE, providerStatus: "active" });
      expect(errors).to.deep.equal({});
      expect(isValid(errors)).to.equal(true);
    });

    it("explains each problem with the provider in plain words", function () {
      const cases: [Partial<GrantFormState>, Parameters<typeof validateGrant>[1], string][] = [
        [{ grantee: "" }, { now: NOW }, "Choose who should get access."],
        [{ grantee: "0x1234" }, { now: NOW }, "This is not a valid provider address."],
        [
          { grantee: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293bc" },
          { now: NOW },
          "This is not a valid provider address.",
        ],
        [{ grantee: ALICE.toLowerCase() }, { now: NOW, patient: ALICE }, "You cannot give access to yourself."],
        [
          {},
          { now: NOW, providerStatus: "suspended" },
          "This provider is suspended by its registrar and cannot receive access now.",
        ],
        [{}, { now: NOW, providerStatus: "unregistered" }, "This address is not a registered provider."],
      ];
      for (const [overrides, context, message] of cases) {
        const errors = validateGrant(validForm(overrides), context);
        expect(errors, message).to.deep.equal({ grantee: message });
        expect(isValid(errors)).to.equal(false);
      }
    });

    it("explains missing or undefined data, actions and purposes", function () {
      expect(validateGrant(validForm({ categories: 0n }), { now: NOW })).to.deep.equal({
        categories: "Choose at least one kind of data.",
      });
      expect(validateGrant(validForm({ categories: LAB_AND_MEDS | (1n << 13n) }), { now: NOW })).to.deep.equal({
        categories: "Some chosen kinds of data do not exist.",
      });
      const actionsMessage = "Choose what the provider may do: read, add records, or both.";
      for (const actions of [0, 4, 5]) {
        expect(validateGrant(validForm({ actions }), { now: NOW }), String(actions)).to.deep.equal({
          actions: actionsMessage,
        });
      }
      for (const purposes of [0, 64, 65]) {
        expect(validateGrant(validForm({ purposes }), { now: NOW }), String(purposes)).to.deep.equal({
          purposes: "Choose at least one purpose.",
        });
      }
      expect(validateGrant(validForm({ actions: 3, purposes: 63 }), { now: NOW })).to.deep.equal({});
    });

    it("reports every field at once for an empty form", function () {
      const errors = validateGrant(
        { ...emptyGrantForm(), actions: 0, purposes: 0, expiry: { kind: "custom", date: "" } },
        { now: NOW },
      );
      expect(Object.keys(errors).sort()).to.deep.equal(["actions", "categories", "expiry", "grantee", "purposes"]);
    });
  });

  describe("contract arguments", function () {
    it("turns a valid form into grantConsent's arguments, with a checksummed grantee", function () {
      const args = toGrantArgs(validForm({ grantee: NORTHSIDE.toLowerCase(), actions: 3, purposes: 9 }), {
        now: NOW,
      });
      expect(args).to.deep.equal({
        grantee: NORTHSIDE,
        categories: LAB_AND_MEDS,
        actions: 3,
        purposes: 9,
        expiresAt: NOW + 365 * DAY,
      });
      expect(grantConsentArgs(args)).to.deep.equal([NORTHSIDE, LAB_AND_MEDS, 3, 9, NOW + 365 * DAY]);
    });

    it("refuses to build arguments from an invalid form, saying why", function () {
      expect(() => toGrantArgs(validForm({ grantee: "", categories: 0n }), { now: NOW })).to.throw(
        "Choose who should get access. Choose at least one kind of data.",
      );
    });
  });

  describe("review sentence", function () {
    const terms = { categories: LAB_AND_MEDS, actions: 1, purposes: 1, expiresAt: DEC_24_2026_END };

    it("says in plain words who may do what with which data, why and until when", function () {
      expect(reviewSentence("Northside Family Practice", terms)).to.equal(
        "Northside Family Practice will be able to read your medications and lab results for treatment until 24 Dec 2026",
      );
      expect(reviewSentence("Riverside Laboratory", { ...terms, actions: 3, purposes: 1 | 8 })).to.equal(
        "Riverside Laboratory will be able to read and add records to your medications and lab results " +
          "for treatment and research until 24 Dec 2026",
      );
    });

    it("names 'all your routine data' and each sensitive category separately", function () {
      expect(reviewSentence("St. Mary's Hospital", { ...terms, categories: ROUTINE_CATEGORIES })).to.equal(
        "St. Mary's Hospital will be able to read all your routine data for treatment until 24 Dec 2026",
      );
      expect(
        reviewSentence("St. Mary's Hospital", {
          ...terms,
          categories: ROUTINE_CATEGORIES | parseCategories("mental-health,genetic-data"),
        }),
      ).to.equal(
        "St. Mary's Hospital will be able to read all your routine data and your mental health and genetic data " +
          "for treatment until 24 Dec 2026",
      );
    });

    it("speaks of the patient by name when a delegate grants", function () {
      expect(reviewSentence("Northside Family Practice", terms, "Bob's")).to.equal(
        "Northside Family Practice will be able to read Bob's medications and lab results for treatment until 24 Dec 2026",
      );
    });
  });

  describe("signature deadline", function () {
    it("is half an hour after the chain's latest block, within the registry's one-hour limit", function () {
      expect(signatureDeadline(NOW)).to.equal(BigInt(NOW + 1800));
      expect(SIGNATURE_LIFETIME).to.be.at.most(MAX_SIGNATURE_LIFETIME / 2);
      expect(MAX_SIGNATURE_LIFETIME).to.equal(3600);
    });

    it("follows the chain's clock, wherever a local chain was moved to", function () {
      const movedAhead = NOW + 400 * DAY;
      expect(signatureDeadline(movedAhead) - BigInt(movedAhead)).to.equal(BigInt(SIGNATURE_LIFETIME));
    });
  });

  describe("EIP-712", function () {
    const grantArgs = {
      grantee: NORTHSIDE,
      categories: LAB_AND_MEDS,
      actions: 1,
      purposes: 1,
      expiresAt: DEC_24_2026_END,
    } as const;
    const deadline = BigInt(NOW + SIGNATURE_LIFETIME);
    const grant = grantTypedData({
      chainId: 31337,
      consentRegistry: REGISTRY,
      patient: ALICE,
      args: grantArgs,
      nonce: 0n,
      deadline,
    });
    const revoke = {
      domain: consentDomain(31337, REGISTRY),
      types: REVOKE_CONSENT_TYPES,
      primaryType: "RevokeConsent",
      message: { patient: ALICE, grantee: NORTHSIDE, nonce: 1n, deadline },
    } as const;
    const typeString = (fields: readonly { name: string; type: string }[], name: string) =>
      `${name}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`;

    it("uses the registry's domain: MedConsent, version 1, the chain and the registry", function () {
      expect(consentDomain(31337, REGISTRY)).to.deep.equal({
        name: "MedConsent",
        version: "1",
        chainId: 31337,
        verifyingContract: REGISTRY,
      });
      expect(grant.domain).to.deep.equal(consentDomain(31337, REGISTRY));
      expect(grant.primaryType).to.equal("GrantConsent");
    });

    it("declares exactly the contract's GrantConsent and RevokeConsent types", function () {
      expect(typeString(GRANT_CONSENT_TYPES.GrantConsent, "GrantConsent")).to.equal(
        "GrantConsent(address patient,address grantee,uint64 categories,uint8 actions,uint8 purposes," +
          "uint40 expiresAt,uint256 nonce,uint256 deadline)",
      );
      expect(typeString(REVOKE_CONSENT_TYPES.RevokeConsent, "RevokeConsent")).to.equal(
        "RevokeConsent(address patient,address grantee,uint256 nonce,uint256 deadline)",
      );
      expect(Object.keys(GRANT_CONSENT_TYPES)).to.deep.equal(["GrantConsent"]);
      expect(Object.keys(REVOKE_CONSENT_TYPES)).to.deep.equal(["RevokeConsent"]);
    });

    it("carries the form's terms, the nonce and the deadline in the message", function () {
      expect(grant.message).to.deep.equal({
        patient: ALICE,
        grantee: NORTHSIDE,
        categories: LAB_AND_MEDS,
        actions: 1,
        purposes: 1,
        expiresAt: DEC_24_2026_END,
        nonce: 0n,
        deadline: BigInt(NOW + 1800),
      });
    });

    // Known values computed with ethers' TypedDataEncoder, an independent EIP-712 implementation.
    it("hashes to the known struct hash and digest", function () {
      expect(hashStruct({ types: grant.types, primaryType: "GrantConsent", data: grant.message })).to.equal(
        "0x1f9305a57cd336170138a5fddd16439b9def57c1ed66caeacd0fefebc4206a39",
      );
      expect(hashTypedData(grant)).to.equal("0xc5a9757078a5e978e1883e5ed725df928cf18f7926c14fc60a7ebe67f94b18b2");
      expect(hashTypedData(revoke)).to.equal("0xee2235fa40a44a1ad67b0238f56a74de66824d62d66597e201477e79a217831c");
      // The type hash the contract hard-codes is the one the struct hash starts from.
      expect(keccak256(stringToBytes(typeString(GRANT_CONSENT_TYPES.GrantConsent, "GrantConsent")))).to.equal(
        keccak256(
          stringToBytes(
            "GrantConsent(address patient,address grantee,uint64 categories,uint8 actions,uint8 purposes," +
              "uint40 expiresAt,uint256 nonce,uint256 deadline)",
          ),
        ),
      );
    });

    it("recovers the patient from a signed grant and a signed revoke", async function () {
      const alice = privateKeyToAccount(ALICE_KEY);
      expect(alice.address).to.equal(ALICE);
      const grantSignature = await alice.signTypedData(grant);
      expect(await recoverTypedDataAddress({ ...grant, signature: grantSignature })).to.equal(ALICE);
      expect(await verifyTypedData({ ...grant, address: ALICE, signature: grantSignature })).to.equal(true);
      const revokeSignature = await alice.signTypedData(revoke);
      expect(await recoverTypedDataAddress({ ...revoke, signature: revokeSignature })).to.equal(ALICE);
      // A changed term is a different message: the signature no longer recovers Alice.
      const widened = { ...grant, message: { ...grant.message, categories: ROUTINE_CATEGORIES } };
      expect(await recoverTypedDataAddress({ ...widened, signature: grantSignature })).to.not.equal(ALICE);
    });
  });

  describe("relay request body", function () {
    const args = {
      grantee: NORTHSIDE,
      categories: LAB_AND_MEDS | parseCategories("mental-health"),
      actions: 3,
      purposes: 9,
      expiresAt: DEC_24_2026_END,
    } as const;
    const signature = `0x${"ab".repeat(65)}` as const;
    const deadline = BigInt(NOW + SIGNATURE_LIFETIME);

    it("names grantConsentBySig and gives every argument as a string", function () {
      expect(grantRelayBody({ patient: ALICE, args, deadline, signature })).to.deep.equal({
        function: "grantConsentBySig",
        args: {
          patient: ALICE,
          grantee: NORTHSIDE,
          categories: "4294967316",
          actions: "3",
          purposes: "9",
          expiresAt: String(DEC_24_2026_END),
          deadline: String(NOW + 1800),
          signature,
        },
      });
    });

    it("is accepted by the relay as grantConsentBySig with the same arguments, after a JSON round trip", function () {
      const body = JSON.parse(JSON.stringify(grantRelayBody({ patient: ALICE, args, deadline, signature })));
      expect(parseRelayRequest(body)).to.deep.equal({
        functionName: "grantConsentBySig",
        args: [ALICE, NORTHSIDE, args.categories, 3, 9, DEC_24_2026_END, deadline, signature],
        patient: ALICE,
      });
    });
  });
});
