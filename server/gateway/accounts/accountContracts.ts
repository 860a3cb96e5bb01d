// Where the gateway finds the passkey-account contracts: the PatientAccountFactory's address and ABI, and the
// PatientAccount's ABI, from the generated bindings (lib/contracts/deployedContracts.ts). A deployment without them
// (bindings generated before the passkey contracts) answers 503 accounts_unavailable instead of guessing.
import "server-only";
import type { Abi, Address } from "viem";
import deployedContracts, { abis } from "@/lib/contracts/deployedContracts";
import { GatewayError } from "@/server/gateway/http/errors";

export interface AccountContracts {
  factory: Address;
  factoryAbi: Abi;
  accountAbi: Abi;
}

type Bindings = Record<number, Record<string, { address: Address } | undefined> | undefined>;

/** The passkey-account contracts of `chainId`; 503 accounts_unavailable when the bindings have none. */
export function accountContracts(chainId: number): AccountContracts {
  const factory = (deployedContracts as unknown as Bindings)[chainId]?.PatientAccountFactory?.address;
  const named = abis as unknown as Record<string, Abi | undefined>;
  const factoryAbi = named.PatientAccountFactory;
  const accountAbi = named.PatientAccount;
  if (factory === undefined || factoryAbi === undefined || accountAbi === undefined) {
    throw new GatewayError(
      503,
      "accounts_unavailable",
      "Passkey accounts are not set up on this deployment (no PatientAccountFactory in the contract bindings).",
    );
  }
  return { factory, factoryAbi, accountAbi };
}
