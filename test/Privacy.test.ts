// Privacy: free text is where personal data leaks onto a chain. The deployable contracts' ABIs may carry a `string`
// only as the record URI and the provider's public name, and dynamic `bytes` only as signatures. The vault's contracts
// (key directory, disclosure log) carry no string at all and nothing that names a patient, a record or a purpose.
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";

const DEPLOYABLE = ["ProviderRegistry", "ConsentRegistry", "RecordRegistry", "KeyDirectory", "DisclosureLog"] as const;

/**
 * The vault's contracts, and every parameter their own functions, events and errors may take. A disclosure is proven
 * by a hash (`leaf`) that only its patient and the gateway can open: the reader, the patient, the record and the
 * purpose must never appear as parameters. AccessControl's inherited items (roles, admin handover) are left out.
 */
const VAULT_PARAMETERS = {
  KeyDirectory: [
    "setEncryptionKey(bytes32 publicKey)",
    "encryptionKeyOf(address account) returns (bytes32)",
    "event EncryptionKeySet(address account, bytes32 publicKey)",
    "error KeyDirectoryInvalidKey()",
  ],
  DisclosureLog: [
    "GATEWAY_ROLE() returns (bytes32)",
    "MAX_BATCH() returns (uint64)",
    "anchor(bytes32 root, uint64 fromSeq, uint64 toSeq)",
    "nextSeq() returns (uint64)",
    "batchOf(bytes32 root) returns (tuple(uint64 fromSeq, uint64 toSeq, uint40 anchoredAt))",
    "verifyDisclosure(bytes32 root, bytes32[] proof, bytes32 leaf) returns (bool)",
    "event DisclosuresAnchored(bytes32 root, uint64 fromSeq, uint64 toSeq, address gateway)",
    "error DisclosureLogEmptyRoot()",
    "error DisclosureLogInvalidRange(uint64 fromSeq, uint64 toSeq)",
    "error DisclosureLogOutOfOrder(uint64 expectedFromSeq, uint64 fromSeq)",
    "error DisclosureLogRootAlreadyAnchored(bytes32 root)",
    "error DisclosureLogBatchTooLarge(uint64 fromSeq, uint64 toSeq, uint64 maxBatch)",
    "error DisclosureLogSequenceExhausted(uint64 toSeq)",
  ],
} as const;

/** Parameter names that would put personal data, or a link to it, on chain. */
const PHI_LIKE = /patient|reader|record|purpose|categor|name|uri|reason|note|diagnos|email|birth|ssn|requestid/i;

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

/** An ABI item as one line of types and names: "anchor(bytes32 root, uint64 fromSeq, uint64 toSeq)". */
function describeItem(item: AbiItem): string {
  const param = (p: AbiParameter): string => {
    const type = p.type.startsWith("tuple")
      ? `tuple(${(p.components ?? []).map(param).join(", ")})${p.type.slice("tuple".length)}`
      : p.type;
    return p.name ? `${type} ${p.name}` : type;
  };
  const inputs = `${item.name ?? ""}(${(item.inputs ?? []).map(param).join(", ")})`;
  if (item.type === "event" || item.type === "error") return `${item.type} ${inputs}`;
  const outputs = item.outputs ?? [];
  return outputs.length === 0 ? inputs : `${inputs} returns (${outputs.map(param).join(", ")})`;
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

  describe("ABIs of the vault's contracts", function () {
    /** Each of the contract's own items (not AccessControl's) as "name(type name, ...) returns (...)". */
    async function vaultItemsFixture() {
      const items: Record<string, string[]> = {};
      for (const contract of Object.keys(VAULT_PARAMETERS) as (keyof typeof VAULT_PARAMETERS)[]) {
        const own = (await hre.artifacts.readArtifact(`I${contract}`)).abi as AbiItem[];
        items[contract] = own.map(describeItem).sort();
      }
      return { items };
    }

    for (const contract of Object.keys(VAULT_PARAMETERS) as (keyof typeof VAULT_PARAMETERS)[]) {
      it(`${contract} declares exactly the reviewed functions, events and errors`, async function () {
        const { items } = await loadFixture(vaultItemsFixture);
        expect(items[contract]).to.deep.equal([...VAULT_PARAMETERS[contract]].sort());
      });

      it(`${contract} takes no parameter named like personal data`, async function () {
        const { items } = await loadFixture(vaultItemsFixture);
        const offending = items[contract].filter((item) => PHI_LIKE.test(item));
        expect(offending).to.deep.equal([]);
      });
    }

    it("the deployed contracts carry every item of their interface", async function () {
      for (const contract of Object.keys(VAULT_PARAMETERS) as (keyof typeof VAULT_PARAMETERS)[]) {
        const deployed = ((await hre.artifacts.readArtifact(contract)).abi as AbiItem[]).map(describeItem);
        const own = ((await hre.artifacts.readArtifact(`I${contract}`)).abi as AbiItem[]).map(describeItem);
        expect(
          own.filter((item) => !deployed.includes(item)),
          contract,
        ).to.deep.equal([]);
      }
    });

    it("flags a parameter named like personal data", function () {
      expect(PHI_LIKE.test("event Disclosed(address patient, uint256 recordId)")).to.be.true;
      expect(PHI_LIKE.test("anchor(bytes32 root, uint64 fromSeq, uint64 toSeq)")).to.be.false;
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
