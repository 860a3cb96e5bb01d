// The passkey-account contracts in the generated bindings: the PatientAccountFactory's address and ABI and the
// PatientAccount's ABI. Looked up by name (as the gateway's accountContracts does), so a deployment whose bindings
// predate the passkey contracts says so in plain words instead of failing to build.
import type { Abi, Address } from "viem";
import deployedContracts, { abis } from "@/lib/contracts/deployedContracts";
import { PasskeyError } from "@/lib/passkey/errors";

type Bindings = Record<number, Record<string, { address: Address } | undefined> | undefined>;

export interface PasskeyContracts {
  factory: { address: Address; abi: Abi };
  accountAbi: Abi;
}

export function passkeyContracts(chainId: number): PasskeyContracts {
  const factory = (deployedContracts as unknown as Bindings)[chainId]?.PatientAccountFactory?.address;
  const named = abis as unknown as Record<string, Abi | undefined>;
  const factoryAbi = named.PatientAccountFactory;
  const accountAbi = named.PatientAccount;
  if (factory === undefined || factoryAbi === undefined || accountAbi === undefined) {
    throw new PasskeyError("Passkey accounts are not set up on this deployment of MedConsent yet. Use a wallet.");
  }
  return { factory: { address: factory, abi: factoryAbi }, accountAbi };
}
