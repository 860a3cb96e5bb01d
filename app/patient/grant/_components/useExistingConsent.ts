"use client";
// The consent a provider holds from the patient now (consentOf), and whether it is live: same epoch, not expired.
import { useQuery } from "@tanstack/react-query";
import { isAddress, type Address } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { appConfig } from "@/app/_lib/appConfig";

export interface ExistingConsent {
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
  live: boolean;
}

export function useExistingConsent(patient: Address | undefined, grantee: string | undefined, now: () => number) {
  const client = useConsentClient();
  const enabled = patient !== undefined && grantee !== undefined && isAddress(grantee);
  return useQuery({
    queryKey: ["consentOf", patient, grantee?.toLowerCase()],
    enabled,
    queryFn: async (): Promise<ExistingConsent> => {
      const registry = { address: appConfig.addresses.consentRegistry, abi: abis.ConsentRegistry } as const;
      const args = [patient!, grantee as Address] as const;
      const [stored, epoch] = await Promise.all([
        client.publicClient.readContract({ ...registry, functionName: "consentOf", args }),
        client.publicClient.readContract({ ...registry, functionName: "epochOf", args: [patient!] }),
      ]);
      const live = stored.expiresAt !== 0 && stored.epoch === epoch && stored.expiresAt > now();
      return {
        categories: stored.categories,
        actions: stored.actions,
        purposes: stored.purposes,
        expiresAt: stored.expiresAt,
        live,
      };
    },
  });
}
