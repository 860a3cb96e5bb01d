"use client";
// The provider registry in React: every registered provider (for pickers and the registrar's list), and one provider.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { appConfig } from "@/app/_lib/appConfig";
import { readWithFallback } from "@/app/_lib/portalClient";
import { getProviderInfo, listProviders } from "@/lib/providers";
import { useConsentClient } from "./useConsentClient";

/** Every provider ever registered, with its current status, sorted by name. */
export function useProviders() {
  return useQuery({
    queryKey: ["providers"],
    // From the indexer when the library reads providers there, else (or when it does not answer) from the logs.
    queryFn: () => readWithFallback((reader) => listProviders(reader, { fromBlock: appConfig.fromBlock })),
  });
}

/** One account's provider record ("unregistered" status when it is not a provider); idle without an address. */
export function useProviderInfo(address: Address | undefined) {
  const client = useConsentClient();
  return useQuery({
    queryKey: ["providerInfo", address],
    queryFn: () => getProviderInfo(client, address!),
    enabled: address !== undefined,
  });
}
