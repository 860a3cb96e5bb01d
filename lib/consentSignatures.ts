// The ConsentRegistry's signed (EIP-712) calls and the relay's wire format, shared by the portal that signs, the
// gateway that relays, and the tests: the domain, the typed structs of ARCHITECTURE.md, signature deadlines, and the
// body of POST /api/relay.
import type { Address, Hex } from "viem";

/** The registry refuses a signed call whose deadline is further ahead of its block (MAX_SIGNATURE_LIFETIME). */
export const MAX_SIGNATURE_LIFETIME = 3600;
/** How long a gas-free signature stays valid (its `deadline`): well within MAX_SIGNATURE_LIFETIME. */
export const SIGNATURE_LIFETIME = 30 * 60;

/**
 * The deadline of a signature made now. `chainNow` is the chain's latest block time, never this computer's clock: a
 * local chain that was moved forward, or a clock that runs ahead, would otherwise sign a deadline the registry refuses
 * (more than an hour ahead) or one already past.
 */
export function signatureDeadline(chainNow: number): bigint {
  return BigInt(chainNow + SIGNATURE_LIFETIME);
}

export interface GrantArgs {
  grantee: Address;
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
}

/** The two ConsentRegistry functions the gateway relays. */
export const RELAYABLE_FUNCTIONS = ["grantConsentBySig", "revokeConsentBySig"] as const;
export type RelayableFunction = (typeof RELAYABLE_FUNCTIONS)[number];

/** The body of POST /api/relay: a relayable function and its named arguments, all as strings. */
export interface RelayBody {
  function: RelayableFunction;
  args: Record<string, string>;
}

/** The EIP-712 domain of the ConsentRegistry (ARCHITECTURE.md). */
export function consentDomain(chainId: number, verifyingContract: Address) {
  return { name: "MedConsent", version: "1", chainId, verifyingContract } as const;
}

export const GRANT_CONSENT_TYPES = {
  GrantConsent: [
    { name: "patient", type: "address" },
    { name: "grantee", type: "address" },
    { name: "categories", type: "uint64" },
    { name: "actions", type: "uint8" },
    { name: "purposes", type: "uint8" },
    { name: "expiresAt", type: "uint40" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const REVOKE_CONSENT_TYPES = {
  RevokeConsent: [
    { name: "patient", type: "address" },
    { name: "grantee", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** The typed data a patient signs for a gas-free grant (for wagmi's signTypedData / viem's signTypedData). */
export function grantTypedData(params: {
  chainId: number;
  consentRegistry: Address;
  patient: Address;
  args: GrantArgs;
  nonce: bigint;
  deadline: bigint;
}) {
  const { args } = params;
  return {
    domain: consentDomain(params.chainId, params.consentRegistry),
    types: GRANT_CONSENT_TYPES,
    primaryType: "GrantConsent",
    message: {
      patient: params.patient,
      grantee: args.grantee,
      categories: args.categories,
      actions: args.actions,
      purposes: args.purposes,
      expiresAt: args.expiresAt,
      nonce: params.nonce,
      deadline: params.deadline,
    },
  } as const;
}

/** The body of `POST /api/relay` for a signed grant: named arguments, all as strings. */
export function grantRelayBody(params: {
  patient: Address;
  args: GrantArgs;
  deadline: bigint;
  signature: Hex;
}): RelayBody {
  const { args } = params;
  return {
    function: "grantConsentBySig",
    args: {
      patient: params.patient,
      grantee: args.grantee,
      categories: args.categories.toString(),
      actions: String(args.actions),
      purposes: String(args.purposes),
      expiresAt: String(args.expiresAt),
      deadline: params.deadline.toString(),
      signature: params.signature,
    },
  };
}
