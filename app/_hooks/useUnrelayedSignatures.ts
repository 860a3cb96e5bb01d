"use client";
// The browser's memory (localStorage) of gas-free signatures the portal could not see relayed, and the check after a
// revoke by transaction: is one of them still usable on chain, so that the portal must cancel it with useNonce()?
import type { Address } from "viem";
import { useConsentClient } from "./useConsentClient";
import {
  cancellationPlan,
  forgetSignature,
  parseUnrelayedSignatures,
  rememberSignature,
  serializeUnrelayedSignatures,
  UNRELAYED_SIGNATURES_KEY,
  type UnrelayedSignature,
} from "@/app/_lib/unrelayedSignatures";

function read(): UnrelayedSignature[] {
  return parseUnrelayedSignatures(globalThis.localStorage?.getItem(UNRELAYED_SIGNATURES_KEY) ?? null);
}

function write(list: readonly UnrelayedSignature[]): void {
  if (list.length === 0) globalThis.localStorage?.removeItem(UNRELAYED_SIGNATURES_KEY);
  else globalThis.localStorage?.setItem(UNRELAYED_SIGNATURES_KEY, serializeUnrelayedSignatures(list));
}

export function useUnrelayedSignatures() {
  const client = useConsentClient();
  return {
    remember: (signature: UnrelayedSignature) => write(rememberSignature(read(), signature)),
    forget: (signature: UnrelayedSignature) => write(forgetSignature(read(), signature)),
    /** After the patient revoked: the signature to cancel now, if one could still be relayed; forgets spent ones. */
    async toCancel(patient: Address): Promise<UnrelayedSignature | undefined> {
      const remembered = read();
      if (remembered.length === 0) return undefined;
      const [nonce, block] = await Promise.all([
        client.publicClient.readContract({
          address: client.addresses.consentRegistry,
          abi: client.abis.ConsentRegistry,
          functionName: "nonces",
          args: [patient],
        }),
        client.publicClient.getBlock({ blockTag: "latest" }),
      ]);
      const plan = cancellationPlan(remembered, patient, { nonce, now: Number(block.timestamp) });
      write(plan.keep);
      return plan.cancel;
    },
  };
}
