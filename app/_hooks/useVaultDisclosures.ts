"use client";
// "Who read my records": the gateway's disclosure log for the patient, and a check of any entry that trusts neither
// the gateway nor this page alone: the leaf is recomputed here, the proof walked here, and the chain asked too.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Address } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { appConfig } from "@/app/_lib/appConfig";
import { gateway, type Disclosure } from "@/app/_lib/gatewayClient";
import { useConsentClient } from "./useConsentClient";
import { useGatewaySession } from "./useGatewaySession";

export const disclosuresKey = (patient: Address) => ["gateway", "disclosures", patient] as const;

/** The patient's disclosures, newest first; idle until signed in to the gateway. */
export function useDisclosures(patient: Address) {
  const session = useGatewaySession();
  return useQuery({
    queryKey: disclosuresKey(patient),
    enabled: session.signedIn,
    queryFn: () => gateway.disclosures(patient),
    retry: false,
  });
}

export type DisclosureCheck =
  | { outcome: "verified"; fromSeq: bigint; toSeq: bigint; anchoredAt: number }
  | { outcome: "not-anchored" }
  | { outcome: "failed"; message: string };

/** Recomputes the entry's leaf, walks its proof to the anchored root, and asks DisclosureLog for the same answer. */
export function useVerifyDisclosure() {
  const client = useConsentClient();
  return useMutation({
    mutationFn: async (entry: Disclosure): Promise<DisclosureCheck> => {
      // The sequence number (part of the leaf) is given when the batch is planned, the anchor once it is mined.
      if (entry.anchor === null || entry.seq === null) return { outcome: "not-anchored" };
      const seq = BigInt(entry.seq);
      const { disclosureLeaf, verifyMerkleProof } = await import("@/lib/vault/disclosureProof");
      const leaf = disclosureLeaf({
        seq,
        reader: entry.reader,
        patient: entry.patient,
        recordId: BigInt(entry.recordId),
        purpose: entry.purpose,
        servedAt: entry.servedAt,
        requestId: entry.requestId,
      });
      const { root, proof } = entry.anchor;
      if (!verifyMerkleProof(leaf, proof, root)) {
        return {
          outcome: "failed",
          message: "The gateway's proof does not lead from this read to the anchored root: the log does not match.",
        };
      }
      const log = { address: appConfig.addresses.disclosureLog, abi: abis.DisclosureLog } as const;
      const [onChain, batch] = await Promise.all([
        client.publicClient.readContract({ ...log, functionName: "verifyDisclosure", args: [root, proof, leaf] }),
        client.publicClient.readContract({ ...log, functionName: "batchOf", args: [root] }),
      ]);
      if (!onChain || batch.anchoredAt === 0) {
        return { outcome: "failed", message: "The chain does not confirm this read: its batch was never anchored." };
      }
      if (seq < batch.fromSeq || seq > batch.toSeq) {
        return {
          outcome: "failed",
          message: `This read (number ${seq}) is outside the anchored batch ${batch.fromSeq}–${batch.toSeq}.`,
        };
      }
      return { outcome: "verified", fromSeq: batch.fromSeq, toSeq: batch.toSeq, anchoredAt: batch.anchoredAt };
    },
  });
}

/** Asks the gateway to anchor its pending reads now, then reloads the list so any new proofs are there. */
export function useAnchorNow(patient: Address) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => gateway.anchorNow(),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: disclosuresKey(patient) }),
  });
}
