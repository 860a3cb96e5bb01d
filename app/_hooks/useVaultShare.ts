"use client";
// Sharing a record means wrapping its key for a reader's published encryption key and storing that with the gateway.
// Used after an upload (for the patient's current readers of that category) and after a grant (for the new grantee).
import { useMutation, useQuery } from "@tanstack/react-query";
import { zeroHash, type Address, type Hex } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { appConfig } from "@/app/_lib/appConfig";
import type { ConsentEntry } from "@/lib/consentClient";
import { READ } from "@/lib/consentCodes";
import { gateway } from "@/app/_lib/gatewayClient";
import { useConsentClient } from "./useConsentClient";
import { useEncryptionKey } from "./useEncryptionKey";
import { useGatewaySession } from "./useGatewaySession";

type ConsentClient = ReturnType<typeof useConsentClient>;

/** The grantees whose live consent lets them read `category` now (so the gateway will accept a key for them). */
export function readersOfCategory(consents: readonly ConsentEntry[], category: number): Address[] {
  const flag = 1n << BigInt(category);
  return consents
    .filter(
      (c) =>
        (c.state === "active" || c.state === "expiring") && (c.categories & flag) !== 0n && (c.actions & READ) !== 0,
    )
    .map((c) => c.grantee);
}

/** The encryption key `account` published on the KeyDirectory, or null. */
export async function publishedKeyOf(client: ConsentClient, account: Address): Promise<Hex | null> {
  const key = await client.publicClient.readContract({
    address: appConfig.addresses.keyDirectory,
    abi: abis.KeyDirectory,
    functionName: "encryptionKeyOf",
    args: [account],
  });
  return key === zeroHash ? null : key;
}

/** Wraps one record key for `reader` and stores it; "no-key" when the reader has published no encryption key. */
export async function shareRecordKey(
  client: ConsentClient,
  share: { patient: Address; recordId: bigint; contentHash: Hex; recordKey: Uint8Array; reader: Address },
): Promise<"shared" | "no-key"> {
  const published = await publishedKeyOf(client, share.reader);
  if (published === null) return "no-key";
  const { publicKeyFromHex, wrapRecordKey } = await import("@/lib/vault");
  const wrapped = wrapRecordKey(share.recordKey, publicKeyFromHex(published), share.contentHash);
  await gateway.putWrappedKey(share.patient, share.recordId, share.reader, wrapped);
  return "shared";
}

export type ReshareResult =
  { outcome: "no-key" } | { outcome: "no-records" } | { outcome: "shared"; shared: number; notInVault: number };

/** What a re-share after a grant would do, found without any wallet prompt: the grantee's key and the records. */
export function useResharePlan(patient: Address, grantee: Address, categories: bigint) {
  const client = useConsentClient();
  return useQuery({
    queryKey: ["resharePlan", patient, grantee, categories.toString()],
    queryFn: async () => {
      const [published, records] = await Promise.all([publishedKeyOf(client, grantee), client.getRecords(patient)]);
      const matching = records.filter((r) => ((categories >> BigInt(r.category)) & 1n) === 1n);
      return { granteeHasKey: published !== null, records: matching.length };
    },
  });
}

/**
 * After a grant: the patient's records in the granted categories are re-wrapped for the grantee. The patient's own
 * wrapped keys come from the gateway and are unwrapped here, with the key only this tab holds.
 */
export function useReshareAfterGrant(patient: Address) {
  const client = useConsentClient();
  const session = useGatewaySession();
  const key = useEncryptionKey(patient);

  return useMutation({
    mutationFn: async ({ grantee, categories }: { grantee: Address; categories: bigint }): Promise<ReshareResult> => {
      const published = await publishedKeyOf(client, grantee);
      if (published === null) return { outcome: "no-key" };
      const records = (await client.getRecords(patient)).filter(
        (r) => ((categories >> BigInt(r.category)) & 1n) === 1n,
      );
      if (records.length === 0) return { outcome: "no-records" };
      await session.ensureSession();
      const { secretKey } = await key.ensureKey();
      const own = new Map((await gateway.ownKeys(patient)).map((k) => [k.recordId, k.wrappedKey]));
      const { publicKeyFromHex, unwrapRecordKey, wrapRecordKey } = await import("@/lib/vault");
      const granteeKey = publicKeyFromHex(published);
      let shared = 0;
      for (const record of records) {
        const wrapped = own.get(record.id);
        // Records registered without the vault (e.g. the demo's pointers) have no key to share.
        if (wrapped === undefined) continue;
        const recordKey = unwrapRecordKey(wrapped, secretKey, record.contentHash);
        await gateway.putWrappedKey(
          patient,
          record.id,
          grantee,
          wrapRecordKey(recordKey, granteeKey, record.contentHash),
        );
        shared++;
      }
      return { outcome: "shared", shared, notInVault: records.length - shared };
    },
  });
}
