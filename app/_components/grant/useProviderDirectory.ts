"use client";
// Every registered provider, from the registry's ProviderRegistered events since its deployment block, with its
// current kind, status and name from getProvider.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { abis } from "../../_contracts/deployedContracts";
import { useConsentClient } from "../../_hooks/useConsentClient";
import { appConfig } from "../../_lib/appConfig";
import { PROVIDER_KINDS } from "../../_lib/consentCodes";

export type ProviderStatusName = "unregistered" | "active" | "suspended";

export interface DirectoryEntry {
  address: Address;
  name: string;
  kind: string;
  status: ProviderStatusName;
  emergencyCapable: boolean;
}

const STATUS: ProviderStatusName[] = ["unregistered", "active", "suspended"];
const LOG_RANGE = 10_000n;

export function toDirectoryEntry(
  address: Address,
  provider: { kind: number; status: number; emergencyCapable: boolean; name: string },
): DirectoryEntry {
  return {
    address,
    name: provider.name,
    kind: PROVIDER_KINDS[provider.kind] ?? `kind ${provider.kind}`,
    status: STATUS[provider.status] ?? "unregistered",
    emergencyCapable: provider.emergencyCapable,
  };
}

export function useProviderDirectory() {
  const client = useConsentClient();
  return useQuery({
    queryKey: ["providers", "directory"],
    queryFn: async (): Promise<DirectoryEntry[]> => {
      const { publicClient } = client;
      const registry = { address: appConfig.addresses.providerRegistry, abi: abis.ProviderRegistry } as const;
      const toBlock = await publicClient.getBlockNumber();
      const addresses = new Set<Address>();
      for (let start = appConfig.fromBlock; start <= toBlock; start += LOG_RANGE) {
        const end = start + LOG_RANGE - 1n < toBlock ? start + LOG_RANGE - 1n : toBlock;
        const logs = await publicClient.getContractEvents({
          ...registry,
          eventName: "ProviderRegistered",
          fromBlock: start,
          toBlock: end,
        });
        for (const log of logs) if (log.args.provider) addresses.add(log.args.provider);
      }
      const entries = await Promise.all(
        [...addresses].map(async (address) =>
          toDirectoryEntry(
            address,
            await publicClient.readContract({ ...registry, functionName: "getProvider", args: [address] }),
          ),
        ),
      );
      return entries.sort((a, b) => a.name.localeCompare(b.name));
    },
  });
}
