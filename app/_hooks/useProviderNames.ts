"use client";
// Providers' public names from the registry: all of them in one indexer request when the portal has an indexer (an
// address missing there is no provider), else one registry read per address (batched with the page's other reads).
import { useQueries, useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { hasIndexer, portalClient } from "@/app/_lib/portalClient";

/** A provider's name for each address (undefined while unknown, or for an account that is no provider). */
export function useProviderNames(addresses: readonly Address[]): (address: Address) => string | undefined {
  const directory = useQuery({
    queryKey: ["providerDirectory"],
    queryFn: async () => {
      const { data } = await portalClient.indexer!.providers();
      return new Map(data.map((provider) => [provider.address.toLowerCase(), provider.name]));
    },
    enabled: hasIndexer,
    retry: false,
  });
  const perAddress = !hasIndexer || directory.isError;
  const unique = [...new Set(addresses)];
  const providers = useQueries({
    queries: unique.map((address) => ({
      queryKey: ["provider", address],
      queryFn: () => portalClient.getProvider(address),
      enabled: perAddress,
    })),
  });
  const names = new Map<string, string>();
  unique.forEach((address, i) => {
    const name = perAddress ? providers[i].data?.name : directory.data?.get(address.toLowerCase());
    if (name) names.set(address.toLowerCase(), name);
  });
  return (address: Address) => names.get(address.toLowerCase());
}
