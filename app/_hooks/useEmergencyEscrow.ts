"use client";
// The patient's side of emergency access that opens records: while it is on, each routine record's key also goes to
// the gateway wrapped for the operator's escrow key (checked against the chain first), so a provider that breaks the
// glass can read it; when it is turned off, the gateway is told to delete every such copy.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Address, Hex } from "viem";
import { gateway } from "@/app/_lib/gatewayClient";
import { useConsentClient } from "./useConsentClient";
import { useEncryptionKey } from "./useEncryptionKey";
import { useGatewaySession } from "./useGatewaySession";
import { publishedKeyOf } from "./useVaultShare";

type ConsentClient = ReturnType<typeof useConsentClient>;

/** The vault's key wrapping and escrow rules, loaded when first used rather than with the page. */
const loadVault = async () => ({ ...(await import("@/lib/vault")), ...(await import("@/lib/vault/escrow")) });

/** The escrow public key to wrap for: the gateway's announced key, only if the chain shows it for that address. */
export async function escrowKeyOf(client: ConsentClient): Promise<Uint8Array> {
  const announced = await gateway.escrowRecipient();
  const { checkedEscrowKey } = await loadVault();
  return checkedEscrowKey(announced, await publishedKeyOf(client, announced.address));
}

function emergencyAccessAllowed(client: ConsentClient, patient: Address): Promise<boolean> {
  return client.publicClient.readContract({
    address: client.addresses.consentRegistry,
    abi: client.abis.ConsentRegistry,
    functionName: "emergencyAccessAllowed",
    args: [patient],
  });
}

/**
 * After an upload: the new record's emergency copy, when it is routine and the patient's emergency access is on (a
 * sensitive record never gets one).
 */
export async function escrowNewRecord(
  client: ConsentClient,
  record: { patient: Address; recordId: bigint; category: number; contentHash: Hex; recordKey: Uint8Array },
): Promise<"prepared" | "sensitive" | "emergency-off"> {
  const { isEscrowCategory, wrapRecordKey } = await loadVault();
  if (!isEscrowCategory(record.category)) return "sensitive";
  if (!(await emergencyAccessAllowed(client, record.patient))) return "emergency-off";
  const wrapped = wrapRecordKey(record.recordKey, await escrowKeyOf(client), record.contentHash);
  await gateway.putEscrowCopy(record.patient, record.recordId, wrapped);
  return "prepared";
}

export interface EscrowStatus {
  /** Current routine records on chain. */
  routine: bigint[];
  /** Those the gateway holds an emergency copy of. */
  prepared: bigint[];
}

/** Which routine records are ready for an emergency, and the two actions: prepare the rest, withdraw them all. */
export function useEmergencyEscrow(patient: Address) {
  const client = useConsentClient();
  const session = useGatewaySession();
  const key = useEncryptionKey(patient);
  const queryClient = useQueryClient();
  const statusKey = ["gateway", "escrow", patient] as const;

  const status = useQuery({
    queryKey: statusKey,
    enabled: session.signedIn,
    queryFn: async (): Promise<EscrowStatus> => {
      const { isEscrowCategory } = await loadVault();
      const [records, prepared] = await Promise.all([client.getRecords(patient), gateway.escrowRecordIds(patient)]);
      const routine = records.filter((r) => isEscrowCategory(r.category)).map((r) => r.id);
      return { routine, prepared: prepared.filter((id) => routine.includes(id)) };
    },
  });

  /** Wraps every routine record without an emergency copy for the escrow key, from the patient's own keys. */
  const prepare = useMutation({
    mutationFn: async (): Promise<{ prepared: number; notInVault: number }> => {
      await session.ensureSession();
      const { isEscrowCategory, unwrapRecordKey, wrapRecordKey } = await loadVault();
      const [records, already, own] = await Promise.all([
        client.getRecords(patient),
        gateway.escrowRecordIds(patient),
        gateway.ownKeys(patient),
      ]);
      const ownKeys = new Map(own.map((k) => [k.recordId, k.wrappedKey]));
      const missing = records.filter((r) => isEscrowCategory(r.category) && !already.includes(r.id));
      // No signature (or passkey prompt) for the key when there is nothing to prepare.
      if (!missing.some((r) => ownKeys.has(r.id))) return { prepared: 0, notInVault: missing.length };
      const escrowKey = await escrowKeyOf(client);
      const { secretKey } = await key.ensureKey();
      let prepared = 0;
      let notInVault = 0;
      for (const record of missing) {
        const wrapped = ownKeys.get(record.id);
        // Records registered without the vault (pointers only) have no key to prepare.
        if (wrapped === undefined) {
          notInVault++;
          continue;
        }
        const recordKey = unwrapRecordKey(wrapped, secretKey, record.contentHash);
        await gateway.putEscrowCopy(patient, record.id, wrapRecordKey(recordKey, escrowKey, record.contentHash));
        recordKey.fill(0);
        prepared++;
      }
      return { prepared, notInVault };
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: statusKey }),
  });

  /** Tells the gateway to delete every emergency copy (right after emergency access was turned off on chain). */
  const withdraw = useMutation({
    mutationFn: async (): Promise<number> => {
      await session.ensureSession();
      return gateway.withdrawEscrowCopies(patient);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: statusKey }),
  });

  return { status, prepare, withdraw, signedIn: session.signedIn };
}
