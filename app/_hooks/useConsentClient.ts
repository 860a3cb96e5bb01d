"use client";
import { useMemo } from "react";
import { appConfig } from "@/app/_lib/appConfig";
import { createConsentClient } from "@/lib/consentClient";

/** The shared client library, pointed at the portal's chain through its RPC URL. */
export function useConsentClient() {
  return useMemo(
    () =>
      createConsentClient({
        rpcUrl: appConfig.rpcUrl,
        addresses: appConfig.addresses,
        fromBlock: appConfig.fromBlock,
        batch: true,
      }),
    [],
  );
}
