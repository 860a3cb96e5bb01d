"use client";
import { portalClient } from "@/app/_lib/portalClient";

/**
 * The shared client library, pointed at the portal's chain and, when configured, its indexer (app/_lib/portalClient.ts).
 * One instance for the whole tab, so every section's chain reads join the same JSON-RPC batches.
 */
export function useConsentClient() {
  return portalClient;
}
