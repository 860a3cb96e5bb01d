// What a passkey prompt approves, in plain words. The WebAuthn prompt itself shows only "use your passkey", so the
// portal says first what the signature will do: decoded from the call or the signed message, never from the page's
// own label alone. Pure: unit-tested without a browser.
import { decodeFunctionData, getAddress, isAddress, type Address, type Hex } from "viem";
import { describeActions, describeCategories, describePurposes } from "@/lib/consentCodes";
import { abis, type MedConsentContractName } from "@/lib/contracts/deployedContracts";
import type { MedConsentAddresses } from "@/lib/consentClient";
import { formatDate, shortAddress } from "@/lib/format";

export interface ApprovalWords {
  /** One line: what this signature does. */
  title: string;
  /** A sentence or two of detail; the fee and what nothing changes. */
  details: string[];
}

const NO_FEE = "You pay no fee: MedConsent's gateway submits it for you.";
const NOTHING_SENT = "This does not send a transaction or cost anything.";
const CANCELS_PENDING = "Any recovery your delegate asked for that has not taken effect yet is cancelled.";

const CONTRACT_OF: Record<keyof MedConsentAddresses, MedConsentContractName> = {
  providerRegistry: "ProviderRegistry",
  consentRegistry: "ConsentRegistry",
  recordRegistry: "RecordRegistry",
  keyDirectory: "KeyDirectory",
  disclosureLog: "DisclosureLog",
};

type Names = (address: Address) => string | undefined;
const nameOf = (names: Names, address: Address) => names(address) ?? shortAddress(getAddress(address));

function grantWords(
  names: Names,
  grantee: Address,
  categories: bigint,
  actions: number,
  purposes: number,
  expiresAt: bigint,
) {
  return `${nameOf(names, grantee)} may ${describeActions(actions)} your ${describeCategories(categories)} for ${describePurposes(
    purposes,
  )} until ${formatDate(Number(expiresAt))}.`;
}

/**
 * The provider a call or a typed message grants to or revokes from, so its registered name can be read before the
 * words are shown; undefined for anything else.
 */
export function granteeOf(
  request: { call: { to: Address; data?: Hex } } | { typedData: { message: Record<string, unknown> } },
  addresses: MedConsentAddresses,
): Address | undefined {
  if ("typedData" in request) {
    const grantee = request.typedData.message.grantee;
    return typeof grantee === "string" && isAddress(grantee) ? grantee : undefined;
  }
  const { call } = request;
  if (call.to.toLowerCase() !== addresses.consentRegistry.toLowerCase() || call.data === undefined) return undefined;
  try {
    const { functionName, args } = decodeFunctionData({ abi: abis.ConsentRegistry, data: call.data });
    const list = (args ?? []) as readonly unknown[];
    if (functionName === "grantConsent" || functionName === "revokeConsent") return list[0] as Address;
    if (functionName === "grantConsentFor" || functionName === "revokeConsentFor") return list[1] as Address;
  } catch {
    // Not a ConsentRegistry call this page knows: no name to look up.
  }
  return undefined;
}

/** The words for one call the account will make (eth_sendTransaction through the account's signed execution). */
export function describeCall(
  call: { to: Address; data?: Hex; value?: bigint },
  addresses: MedConsentAddresses,
  names: Names = () => undefined,
  /** The passkey account itself: a call to it is passkey management. */
  account?: Address,
): ApprovalWords {
  if (account !== undefined && call.to.toLowerCase() === account.toLowerCase() && call.data !== undefined) {
    const words = describeAccountCall(call.data);
    if (words !== undefined) return words;
  }
  const entry = (Object.keys(addresses) as (keyof MedConsentAddresses)[]).find(
    (key) => addresses[key].toLowerCase() === call.to.toLowerCase(),
  );
  const unknown: ApprovalWords = {
    title: `Send a call to ${shortAddress(getAddress(call.to))}`,
    details: ["This is not one of MedConsent's contracts. Approve only if you started this yourself."],
  };
  if (entry === undefined || call.data === undefined) return unknown;
  let decoded: { functionName: string; args?: readonly unknown[] };
  try {
    decoded = decodeFunctionData({ abi: abis[CONTRACT_OF[entry]], data: call.data }) as typeof decoded;
  } catch {
    return unknown;
  }
  const args = (decoded.args ?? []) as readonly unknown[];
  const words = (title: string, ...details: string[]): ApprovalWords => ({ title, details: [...details, NO_FEE] });
  switch (decoded.functionName) {
    case "grantConsent": {
      const [grantee, categories, actions, purposes, expiresAt] = args as unknown as [
        Address,
        bigint,
        number,
        number,
        bigint,
      ];
      return words("Give a provider access", grantWords(names, grantee, categories, actions, purposes, expiresAt));
    }
    case "grantConsentFor": {
      const [patient, grantee, categories, actions, purposes, expiresAt] = args as unknown as [
        Address,
        Address,
        bigint,
        number,
        number,
        bigint,
      ];
      return words(
        `Give a provider access for ${shortAddress(patient)}`,
        grantWords(names, grantee, categories, actions, purposes, expiresAt),
      );
    }
    case "revokeConsent":
    case "revokeConsentFor": {
      const grantee = args[args.length - 1] as Address;
      return words(
        `Revoke ${nameOf(names, grantee)}'s access`,
        "It can no longer read or add records from the next block. What it already downloaded cannot be recalled.",
      );
    }
    case "revokeAllConsents":
      return words(
        "Revoke every consent",
        "Every provider loses access, every delegate is removed, and every signature not yet used is cancelled.",
      );
    case "setDelegate": {
      const [delegate, allowed] = args as unknown as [Address, boolean];
      return allowed
        ? words(`Let ${shortAddress(delegate)} act for you`, "They may grant and revoke access on your behalf.")
        : words(`Stop ${shortAddress(delegate)} acting for you`);
    }
    case "setEmergencyAccess": {
      const [allowed] = args as unknown as [boolean];
      return allowed
        ? words(
            "Turn emergency access on",
            "Emergency-capable providers may open your routine records in an emergency.",
          )
        : words("Turn emergency access off", "No provider may break the glass to open your records.");
    }
    case "useNonce":
      return words("Cancel your unused gas-free signatures");
    case "setEncryptionKey":
      return words("Publish your encryption key", "Others encrypt the records they share with you to this key.");
    case "addRecord": {
      const [, , category] = args as unknown as [Address, Hex, number];
      return words("Add a record to your list", `Category: ${describeCategories(1n << BigInt(category))}.`);
    }
    default:
      return words(`${decoded.functionName} on MedConsent's ${CONTRACT_OF[entry]}`);
  }
}

/** Passkey management: a call the account makes to itself. */
function describeAccountCall(data: Hex): ApprovalWords | undefined {
  let decoded: { functionName: string; args?: readonly unknown[] };
  try {
    decoded = decodeFunctionData({ abi: abis.PatientAccount, data }) as typeof decoded;
  } catch {
    return undefined;
  }
  const args = decoded.args ?? [];
  switch (decoded.functionName) {
    case "addPasskey":
      return {
        title: "Add a passkey to your account",
        details: ["The new passkey will be able to approve everything this one can, on its own.", NO_FEE],
      };
    case "removePasskey":
      return {
        title: "Remove a passkey from your account",
        details: ["That passkey will no longer be able to approve anything for your account.", NO_FEE],
      };
    case "setRecoveryDelegate": {
      const delegate = args[0] as Address;
      return /^0x0{40}$/.test(delegate)
        ? { title: "Remove your recovery delegate", details: [CANCELS_PENDING, NO_FEE] }
        : {
            title: `Name ${shortAddress(getAddress(delegate))} as your recovery delegate`,
            details: [
              "If you lose every passkey, they may ask to add one new passkey to your account, once. It takes effect " +
                "two days after they ask, unless one of your passkeys cancels it. They can do nothing else.",
              CANCELS_PENDING,
              NO_FEE,
            ],
          };
    }
    case "cancelRecovery":
      return {
        title: "Cancel the recovery your delegate asked for",
        details: [
          "The new passkey your recovery delegate asked to add will not be added. They stay your recovery delegate " +
            "and could ask again: remove them if you did not expect this.",
          NO_FEE,
        ],
      };
    default:
      return undefined;
  }
}

/** The words for a typed-data signature (eth_signTypedData_v4), by its primary type. */
export function describeTypedData(
  typedData: { primaryType: string; message: Record<string, unknown> },
  names: Names = () => undefined,
): ApprovalWords {
  const m = typedData.message;
  switch (typedData.primaryType) {
    case "GrantConsent":
      return {
        title: "Give a provider access, without a fee",
        details: [
          grantWords(
            names,
            m.grantee as Address,
            BigInt(m.categories as string),
            Number(m.actions),
            Number(m.purposes),
            BigInt(m.expiresAt as string),
          ),
          NO_FEE,
        ],
      };
    case "RevokeConsent":
      return {
        title: `Revoke ${nameOf(names, m.grantee as Address)}'s access, without a fee`,
        details: ["It can no longer read or add records from the next block.", NO_FEE],
      };
    default:
      return { title: `Sign "${typedData.primaryType}" for MedConsent`, details: [NOTHING_SENT] };
  }
}

/** The words for a message signature (personal_sign): a gateway sign-in, or any other text shown as it is. */
export function describeMessage(text: string): ApprovalWords {
  if (/wants you to sign in with your Ethereum account/.test(text)) {
    return {
      title: "Sign in to the MedConsent gateway",
      details: ["So you can upload, open and see who read your records for the next 8 hours.", NOTHING_SENT],
    };
  }
  return { title: "Sign a message", details: [text.length > 200 ? `${text.slice(0, 200)}…` : text, NOTHING_SENT] };
}
