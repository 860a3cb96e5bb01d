"use client";
// The chain's clock: consents expire on block time, which on a local chain may run ahead of this computer's clock.
import { useQuery } from "@tanstack/react-query";
import { useConsentClient } from "@/app/_hooks/useConsentClient";

export function useChainClock() {
  const client = useConsentClient();
  const offset = useQuery({
    queryKey: ["chainClockOffset"],
    queryFn: async () => {
      const block = await client.publicClient.getBlock({ blockTag: "latest" });
      return Number(block.timestamp) - Math.floor(Date.now() / 1000);
    },
    staleTime: 60_000,
  });
  return {
    ready: offset.data !== undefined,
    error: offset.error,
    /** Seconds since the epoch on the chain's clock (never behind the latest block by more than wall time drift). */
    now: () => Math.floor(Date.now() / 1000) + Math.max(0, offset.data ?? 0),
  };
}
