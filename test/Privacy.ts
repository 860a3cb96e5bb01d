// Privacy: free text is where personal data leaks onto a chain. The deployable contracts' ABIs may carry a `string`
// only as the record URI and the provider's public name, and dynamic `bytes` only as signatures.
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";

const DEPLOYABLE = ["ProviderRegistry", "ConsentRegistry", "RecordRegistry"] as const;

interface AbiParameter {
  name: string;
  type: string;
  components?: AbiParameter[];
}

interface AbiItem {
  type: string;
  name?: string;
  inputs?: AbiParameter[];
  outputs?: AbiParameter[];
}

/** A `string` or `bytes` (or an array of them) found in an ABI, named by where it sits. */
interface Carrier {
  path: string;
  type: string;
  /** The parameter itself is a function input (signatures arrive this way). */
  functionInput: boolean;
  name: string;
}

const ALLOWED_STRINGS = [
  // The record pointer: an opaque content identifier, emitted and never stored.
  "RecordRegistry.addRecord(uri)",
  "RecordRegistry.supersedeRecord(uri)",
  "RecordRegistry event RecordAdded(uri)",
  // The provider's own public name.
  "ProviderRegistry.registerProvider(name)",
  "ProviderRegistry event ProviderRegistered(name)",
  "ProviderRegistry.getProvider() returns #0.name",
  // ERC-5267 eip712Domain(): the EIP-712 domain ("MedConsent", "1") that wallets display when signing, not data.
  "ConsentRegistry.eip712Domain() returns name",
  "ConsentRegistry.eip712Domain() returns version",
  // OpenZeppelin ShortStrings' error, inherited through EIP712: it would carry the domain name, never data.
  "ConsentRegistry error StringTooLong(str)",
].sort();

const SIGNATURES = ["ConsentRegistry.grantConsentBySig(signature)", "ConsentRegistry.revokeConsentBySig(signature)"];

/** Every `string` and `bytes` in an ABI, through tuples (structs) and arrays, in inputs and outputs of every item. */
function dynamicCarriers(contract: string, abi: AbiItem[]): Carrier[] {
  const found: Carrier[] = [];
  const walk = (params: AbiParameter[], where: (param: string) => string, functionInput: boolean, prefix = "") => {
    params.forEach((param, i) => {
      const label = `${prefix}${param.name || `#${i}`}`;
      const base = param.type.replace(/(\[\d*\])+$/, "");
      if (base === "tuple") walk(param.components ?? [], where, false, `${label}.`);
      if (base === "string" || base === "bytes") {
        found.push({
          path: where(label),
          type: param.type,
          functionInput: functionInput && prefix === "",
          name: param.name,
        });
      }
    });
  };
  for (const item of abi) {
    const name = item.name ?? item.type;
    if (item.type === "function") {
      walk(item.inputs ?? [], (p) => `${contract}.${name}(${p})`, true);
      walk(item.outputs ?? [], (p) => `${contract}.${name}() returns ${p}`, false);
    } else if (item.type === "event" || item.type === "error") {
      walk(item.inputs ?? [], (p) => `${contract} ${item.type} ${name}(${p})`, false);
    } else if (item.type === "constructor") {
      walk(item.inputs ?? [], (p) => `${contract} constructor(${p})`, false);
    }
  }
  return found;
}

/** The ABIs of the deployable contracts, from their compiled artifacts, and what they carry. */
async function abiFixture() {
  const carriers: Carrier[] = [];
  for (const contract of DEPLOYABLE) {
    const { abi } = await hre.artifacts.readArtifact(contract);
    carriers.push(...dynamicCarriers(contract, abi as AbiItem[]));
  }
  const strings = carriers.filter((c) => c.type.startsWith("string")).map((c) => c.path);
  const bytes = carriers.filter((c) => c.type.startsWith("bytes"));
  const inventory = carriers.map((c) => `${c.type} ${c.path}`).join("\n  ");
  return { strings, bytes, inventory };
}

describe("Privacy", function () {
  describe("ABIs of the deployable contracts", function () {
    it("carry strings only in the record URI, the provider's public name and the EIP-712 domain", async function () {
      const { strings, inventory } = await loadFixture(abiFixture);
      const unexpected = strings.filter((path) => !ALLOWED_STRINGS.includes(path));

      expect(
        unexpected,
        `strings outside the allowlist; every string and bytes found:\n  ${inventory}\n`,
      ).to.deep.equal([]);
    });

    it("still carry every allowed string, so the allowlist names real items", async function () {
      const { strings, inventory } = await loadFixture(abiFixture);
      const missing = ALLOWED_STRINGS.filter((path) => !strings.includes(path));

      expect(missing, `allowed but not found; found:\n  ${inventory}\n`).to.deep.equal([]);
    });

    it("carry dynamic bytes only as signature parameters", async function () {
      const { bytes, inventory } = await loadFixture(abiFixture);
      const unexpected = bytes
        .filter((c) => !(c.type === "bytes" && c.functionInput && c.name === "signature"))
        .map((c) => `${c.type} ${c.path}`);

      expect(unexpected, `bytes other than signatures; every string and bytes found:\n  ${inventory}\n`).to.deep.equal(
        [],
      );
    });

    it("take the signatures of the signed operations as bytes", async function () {
      const { bytes } = await loadFixture(abiFixture);

      expect(bytes.map((c) => c.path).sort()).to.deep.equal(SIGNATURES);
    });
  });

  describe("ABI walk", function () {
    it("finds strings and bytes inside structs, arrays, outputs, events and errors", async function () {
      const abi: AbiItem[] = [
        {
          type: "function",
          name: "annotate",
          inputs: [
            { name: "patient", type: "address" },
            {
              name: "note",
              type: "tuple",
              components: [
                { name: "contentHash", type: "bytes32" },
                { name: "lines", type: "tuple[]", components: [{ name: "text", type: "string" }] },
              ],
            },
          ],
          outputs: [{ name: "", type: "bytes[2]" }],
        },
        { type: "event", name: "Annotated", inputs: [{ name: "diagnosis", type: "string" }] },
        { type: "error", name: "Refused", inputs: [{ name: "reason", type: "string" }] },
      ];

      expect(dynamicCarriers("Example", abi).map((c) => `${c.type} ${c.path}`)).to.deep.equal([
        "string Example.annotate(note.lines.text)",
        "bytes[2] Example.annotate() returns #0",
        "string Example event Annotated(diagnosis)",
        "string Example error Refused(reason)",
      ]);
    });
  });
});
