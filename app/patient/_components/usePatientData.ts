"use client";
// Reads shared by the patient page's sections. Query keys are shared too, so each read happens once per page.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useProviderNames } from "@/app/_hooks/useProviderNames";
import { appConfig } from "@/app/_lib/appConfig";
import { DEMO_PEOPLE } from "@/lib/demoAccounts";

/** Every event about the patient, oldest first (refreshed after each confirmed transaction). */
export function usePatientEvents(patient: Address) {
  const client = useConsentClient();
  return useQuery({
    queryKey: ["patientEvents", patient],
    queryFn: () => client.getPatientEvents(patient),
  });
}

export function useConsents(patient: Address) {
  const client = useConsentClient();
  return useQuery({
    queryKey: ["consents", "patient", patient],
    queryFn: () => client.listConsents({ patient }),
  });
}

/** The chain's current time (seconds): the clock consents and emergency windows are measured against. */
export function useChainNow() {
  const client = useConsentClient();
  return useQuery({
    queryKey: ["chainNow"],
    queryFn: async () => Number((await client.publicClient.getBlock({ blockTag: "latest" })).timestamp),
  });
}

/**
 * A name for each address: the provider's public name from the registry; on the local demo chain, the demo person's
 * name (e.g. a guardian, who is not a provider). Undefined while unknown.
 */
export function useNames(addresses: readonly Address[]) {
  const providerName = useProviderNames(addresses);
  return (address: Address) => providerName(address) || demoName(address);
}

function demoName(address: Address): string | undefined {
  if (!appConfig.isLocalChain) return undefined;
  return DEMO_PEOPLE.find((p) => p.address.toLowerCase() === address.toLowerCase())?.name;
}
