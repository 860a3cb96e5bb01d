// Where the gateway finds the passkey-account contracts: the PatientAccountFactory's address on this chain and the
// factory's and PatientAccount's ABIs, from the generated bindings (lib/contracts/deployedContracts.ts). A chain whose
// deployment predates the factory answers 503 accounts_unavailable instead of guessing.
import "server-only";
import type { Address } from "viem";
import deployedContracts, { abis } from "@/lib/contracts/deployedContracts";
import { GatewayError } from "@/server/gateway/http/errors";

type Bindings = Record<number, { PatientAccountFactory?: { address: Address } } | undefined>;

/** The passkey-account contracts of `chainId`; 503 accounts_unavailable when its deployment has no factory. */
export function accountContracts(chainId: number) {
  const factory = (deployedContracts as unknown as Bindings)[chainId]?.PatientAccountFactory?.address;
  if (factory === undefined) {
    throw new GatewayError(
      503,
      "accounts_unavailable",
      "Passkey accounts are not set up on this deployment (no PatientAccountFactory in the contract bindings).",
    );
  }
  return { factory, factoryAbi: abis.PatientAccountFactory, accountAbi: abis.PatientAccount };
}
