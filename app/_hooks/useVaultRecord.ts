"use client";
// Opening a record: the gateway checks access on chain and logs the read; this browser unwraps the key with its own
// encryption key, decrypts, and checks the ciphertext's SHA-256 against the RecordRegistry before showing anything.
import { useMutation } from "@tanstack/react-query";
import type { Address, Hex } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { appConfig } from "@/app/_lib/appConfig";
import { gateway, GatewayError } from "@/app/_lib/gatewayClient";
import type { RecordFile } from "@/lib/vault";
import { VaultError } from "@/lib/vault/errors";
import { useConsentClient } from "./useConsentClient";
import { useEncryptionKey } from "./useEncryptionKey";
import { useGatewaySession } from "./useGatewaySession";

export interface OpenedRecord {
  file: RecordFile;
  contentHash: Hex;
  /** This read's id in the gateway's disclosure log (its sequence number comes when it is anchored). */
  disclosureId: bigint;
}

export function useVaultRecord(reader: Address) {
  const client = useConsentClient();
  const session = useGatewaySession();
  const key = useEncryptionKey(reader);

  return useMutation({
    mutationFn: async (query: { patient: Address; recordId: bigint; purpose?: string }): Promise<OpenedRecord> => {
      await session.ensureSession();
      const { secretKey } = await key.ensureKey();
      let served;
      try {
        served = await gateway.getRecord(query.patient, query.recordId, query.purpose);
      } catch (error) {
        if (error instanceof GatewayError && error.needsSignIn) session.forget();
        throw error;
      }
      const { decryptRecord, sha256Hex, unwrapRecordKey } = await import("@/lib/vault");
      const recordKey = unwrapRecordKey(served.wrappedKey, secretKey, served.contentHash);
      performance.mark("medconsent:decrypt:start");
      const file = await decryptRecord(served.ciphertext, recordKey);
      performance.mark("medconsent:decrypt:end");
      performance.measure("medconsent:decrypt", "medconsent:decrypt:start", "medconsent:decrypt:end");
      // The chain, not the gateway, says which file this record is.
      const contentHash = await sha256Hex(served.ciphertext);
      const matches = await client.publicClient.readContract({
        address: appConfig.addresses.recordRegistry,
        abi: abis.RecordRegistry,
        functionName: "verifyRecord",
        args: [query.patient, query.recordId, contentHash],
      });
      if (!matches) {
        throw new VaultError(
          "The file the gateway served is not the one recorded on the chain for this record, so it is not shown.",
        );
      }
      return { file, contentHash, disclosureId: served.disclosureId };
    },
  });
}
