import { expect } from "chai";
import { id } from "ethers";
import { keccak256, stringToBytes, zeroAddress, type Address, type Hex } from "viem";
import {
  checkAddress,
  checkCredential,
  checkProviderKind,
  checkProviderName,
  compareProviders,
  describeProvider,
  filterProviders,
  MAX_PROVIDER_NAME_BYTES,
  toProviderInfo,
  utf8ByteLength,
  type ProviderInfo,
} from "@/lib/providers";

const NORTHSIDE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const ST_MARYS = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const RIVERSIDE = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const HEART_STUDY = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const CREDENTIAL = id("demo credential: Northside Family Practice") as Hex;

function provider(address: Address, name: string, kind: number, status = 1, emergencyCapable = false): ProviderInfo {
  return toProviderInfo(address, {
    kind,
    status,
    emergencyCapable,
    registeredAt: 1_768_469_400,
    credentialHash: CREDENTIAL,
    name,
  });
}

/** The demo scene's providers, as the registry lists them. */
const PROVIDERS = [
  provider(NORTHSIDE, "Northside Family Practice", 1),
  provider(ST_MARYS, "St. Mary's Hospital", 1, 1, true),
  provider(RIVERSIDE, "Riverside Laboratory", 2),
  provider(HEART_STUDY, "Heart Health Research Study", 3, 2),
];

describe("providers (the registrar's checks and the provider listing)", function () {
  describe("checkAddress", function () {
    it("accepts an address in any case and returns it checksummed", function () {
      expect(checkAddress(NORTHSIDE)).to.deep.equal({ ok: true, value: NORTHSIDE });
      expect(checkAddress(NORTHSIDE.toLowerCase())).to.deep.equal({ ok: true, value: NORTHSIDE });
      expect(checkAddress(`0x${NORTHSIDE.slice(2).toUpperCase()}`)).to.deep.equal({ ok: true, value: NORTHSIDE });
      expect(checkAddress(`  ${NORTHSIDE}\n`)).to.deep.equal({ ok: true, value: NORTHSIDE });
    });

    it("says what is wrong, naming the field", function () {
      expect(checkAddress("")).to.deep.equal({ ok: false, error: "Enter the address." });
      expect(checkAddress("   ", "provider's address")).to.deep.equal({
        ok: false,
        error: "Enter the provider's address.",
      });
      for (const input of ["0x1234", NORTHSIDE.slice(2), `${NORTHSIDE}0`, "northside.eth", `0x${"g".repeat(40)}`]) {
        expect(checkAddress(input), input).to.deep.equal({
          ok: false,
          error: "The address must be 0x followed by 40 hexadecimal digits.",
        });
      }
      expect(checkAddress(NORTHSIDE.replace("C44", "c44"))).to.deep.equal({
        ok: false,
        error: "The address has a typo (its upper- and lower-case letters do not match its checksum).",
      });
      expect(checkAddress(zeroAddress)).to.deep.equal({ ok: false, error: "The address cannot be the zero address." });
    });
  });

  describe("checkProviderName", function () {
    it("accepts 1 to 64 bytes and trims surrounding spaces", function () {
      expect(MAX_PROVIDER_NAME_BYTES).to.equal(64);
      expect(checkProviderName("  Riverside Laboratory ")).to.deep.equal({ ok: true, value: "Riverside Laboratory" });
      expect(checkProviderName("X")).to.deep.equal({ ok: true, value: "X" });
      expect(checkProviderName("a".repeat(64))).to.deep.equal({ ok: true, value: "a".repeat(64) });
      expect(checkProviderName(` ${"a".repeat(64)} `).ok).to.equal(true);
    });

    it("refuses an empty name", function () {
      for (const input of ["", "   ", "\t\n"]) {
        expect(checkProviderName(input), JSON.stringify(input)).to.deep.equal({
          ok: false,
          error: "Enter the provider's public name.",
        });
      }
    });

    it("counts UTF-8 bytes, not characters", function () {
      expect(utf8ByteLength("Clínica São José")).to.equal(19);
      expect(utf8ByteLength("病院")).to.equal(6);
      expect(utf8ByteLength("🩺")).to.equal(4);
      // 64 bytes of 2-, 3- and 4-byte characters pass; one more character is too many.
      for (const [char, count] of [
        ["é", 32],
        ["病", 21],
        ["🩺", 16],
      ] as const) {
        const fits = char.repeat(count) + "a".repeat(64 - count * utf8ByteLength(char));
        expect(checkProviderName(fits), fits).to.deep.equal({ ok: true, value: fits });
        const tooLong = char.repeat(count + 1);
        expect(checkProviderName(tooLong), tooLong).to.deep.equal({
          ok: false,
          error:
            `The name is ${utf8ByteLength(tooLong)} bytes; at most 64 are allowed (accented letters and other ` +
            "non-English characters count as 2 to 4).",
        });
      }
      expect(checkProviderName("a".repeat(65))).to.deep.equal({
        ok: false,
        error:
          "The name is 65 bytes; at most 64 are allowed (accented letters and other non-English characters count as 2 to 4).",
      });
      // 33 characters, 66 bytes.
      expect(checkProviderName("é".repeat(33)).ok).to.equal(false);
    });
  });

  describe("checkProviderKind", function () {
    it("accepts each kind by name or number", function () {
      const names = ["clinician", "organization", "laboratory", "researcher", "payer"];
      names.forEach((name, kind) => {
        expect(checkProviderKind(name)).to.deep.equal({ ok: true, value: kind });
        expect(checkProviderKind(kind)).to.deep.equal({ ok: true, value: kind });
      });
    });

    it("lists the kinds when given anything else", function () {
      for (const input of ["dentist", "", 5, -1, 1.5, Number.NaN]) {
        expect(checkProviderKind(input), String(input)).to.deep.equal({
          ok: false,
          error: "Choose a kind: clinician, organization, laboratory, researcher, payer.",
        });
      }
    });
  });

  describe("checkCredential", function () {
    it("takes a 0x hash as it is, in lower case", function () {
      expect(checkCredential(CREDENTIAL)).to.deep.equal({ ok: true, value: { hash: CREDENTIAL, hashed: false } });
      expect(checkCredential(` 0x${CREDENTIAL.slice(2).toUpperCase()} `)).to.deep.equal({
        ok: true,
        value: { hash: CREDENTIAL, hashed: false },
      });
    });

    it("hashes a reference (keccak256 of its trimmed UTF-8 text), so only the hash goes on chain", function () {
      expect(checkCredential("  NPI 1234567893 ")).to.deep.equal({
        ok: true,
        value: { hash: id("NPI 1234567893"), hashed: true },
      });
      expect(checkCredential("demo credential: Northside Family Practice")).to.deep.equal({
        ok: true,
        value: { hash: CREDENTIAL, hashed: true },
      });
      expect(checkCredential("Zulassung Nr. 4711 – Ärztekammer")).to.deep.equal({
        ok: true,
        value: { hash: keccak256(stringToBytes("Zulassung Nr. 4711 – Ärztekammer")), hashed: true },
      });
      // Not hex: a reference, not a malformed hash.
      expect(checkCredential("0xlicence-42")).to.deep.equal({
        ok: true,
        value: { hash: id("0xlicence-42"), hashed: true },
      });
    });

    it("refuses an empty credential, a hash of the wrong length and the zero hash", function () {
      expect(checkCredential(" ")).to.deep.equal({
        ok: false,
        error: "Enter the credential reference or its 0x hash.",
      });
      expect(checkCredential(CREDENTIAL.slice(0, 65))).to.deep.equal({
        ok: false,
        error: "This looks like a hash but has 63 hexadecimal digits; a hash has 64. Or enter the reference itself.",
      });
      expect(checkCredential(`${CREDENTIAL}ab`).ok).to.equal(false);
      expect(checkCredential("0x").ok).to.equal(false);
      expect(checkCredential(`0x${"0".repeat(64)}`)).to.deep.equal({
        ok: false,
        error: "The credential hash cannot be zero.",
      });
    });
  });

  describe("filterProviders", function () {
    const names = (list: ProviderInfo[]) => list.map((p) => p.name);

    it("returns every provider for an empty query", function () {
      expect(filterProviders(PROVIDERS, "")).to.deep.equal(PROVIDERS);
      expect(filterProviders(PROVIDERS, "   ")).to.deep.equal(PROVIDERS);
    });

    it("matches part of the name or the address, ignoring case and surrounding spaces", function () {
      expect(names(filterProviders(PROVIDERS, "lab"))).to.deep.equal(["Riverside Laboratory"]);
      expect(names(filterProviders(PROVIDERS, " HEART "))).to.deep.equal(["Heart Health Research Study"]);
      expect(names(filterProviders(PROVIDERS, "side"))).to.deep.equal([
        "Northside Family Practice",
        "Riverside Laboratory",
      ]);
      expect(names(filterProviders(PROVIDERS, "st. mary's"))).to.deep.equal(["St. Mary's Hospital"]);
      expect(names(filterProviders(PROVIDERS, "0x3c44cd"))).to.deep.equal(["Northside Family Practice"]);
      expect(names(filterProviders(PROVIDERS, ST_MARYS.toLowerCase()))).to.deep.equal(["St. Mary's Hospital"]);
      expect(filterProviders(PROVIDERS, "dentist")).to.deep.equal([]);
    });
  });

  describe("describeProvider and the registry record", function () {
    it("describes kind, emergency capability and suspension in words", function () {
      expect(PROVIDERS.map(describeProvider)).to.deep.equal([
        "organization",
        "organization, emergency-capable",
        "laboratory",
        "researcher, suspended",
      ]);
      expect(describeProvider({ kindName: "clinician", status: "suspended", emergencyCapable: true })).to.equal(
        "clinician, emergency-capable, suspended",
      );
      expect(describeProvider({ kindName: "clinician", status: "unregistered", emergencyCapable: false })).to.equal(
        "not registered",
      );
    });

    it("reads getProvider's record into names for kind and status", function () {
      expect(provider(RIVERSIDE.toLowerCase() as Address, "Riverside Laboratory", 2)).to.deep.equal({
        address: RIVERSIDE,
        name: "Riverside Laboratory",
        kind: 2,
        kindName: "laboratory",
        status: "active",
        emergencyCapable: false,
        registeredAt: 1_768_469_400,
        credentialHash: CREDENTIAL,
      });
      const odd = provider(NORTHSIDE, "", 9, 7);
      expect([odd.kindName, odd.status]).to.deep.equal(["unknown", "unregistered"]);
      expect(describeProvider(odd)).to.equal("not registered");
    });

    it("sorts by name, then address", function () {
      const twin = provider(HEART_STUDY, "Northside Family Practice", 1);
      expect(
        [...PROVIDERS, twin].sort(compareProviders).map((p) => `${p.name} ${p.address.slice(0, 6)}`),
      ).to.deep.equal([
        "Heart Health Research Study 0x9965",
        "Northside Family Practice 0x3C44",
        "Northside Family Practice 0x9965",
        "Riverside Laboratory 0x15d3",
        "St. Mary's Hospital 0x90F7",
      ]);
    });
  });
});
