// Emergency ("break-glass") access: the fixed list of reason codes a provider chooses from, their on-chain hashes, and
// the emergency accesses recorded in EmergencyAccessUsed events.
import { keccak256, stringToBytes, type Address, type Hex } from "viem";
import { abis } from "./contracts/deployedContracts";
import type { Listing } from "./consentClient";
import { scanInBlockWindows, type ListOptions, type Reader } from "./providers";

export interface EmergencyReason {
  code: string;
  /** In plain words. */
  label: string;
}

export const EMERGENCY_REASONS: readonly EmergencyReason[] = [
  { code: "UNCONSCIOUS_PATIENT", label: "The patient is unconscious" },
  { code: "CARDIAC_ARREST", label: "Cardiac arrest" },
  { code: "SEVERE_TRAUMA", label: "Severe trauma" },
  { code: "ACUTE_ALLERGIC_REACTION", label: "Severe allergic reaction" },
  { code: "OTHER_LIFE_THREATENING", label: "Another life-threatening emergency" },
];

/** The `reasonHash` of `breakGlass`: keccak256 of "EMERGENCY:<code>" (ethers.id("EMERGENCY:UNCONSCIOUS_PATIENT")). */
export const emergencyReasonHash = (code: string): Hex => keccak256(stringToBytes(`EMERGENCY:${code}`));

/** The listed reason a hash stands for, if any (other tools may record codes this list does not know). */
export function emergencyReasonOf(reasonHash: Hex): EmergencyReason | undefined {
  return EMERGENCY_REASONS.find((r) => emergencyReasonHash(r.code) === reasonHash.toLowerCase());
}

export interface EmergencyAccess {
  patient: Address;
  grantee: Address;
  reasonHash: Hex;
  reason?: EmergencyReason;
  /** End of the window, in seconds (it ends earlier if the patient turns emergency access off). */
  expiresAt: number;
  blockNumber: bigint;
  transactionHash: Hex;
}

/**
 * Every break-glass of a patient, of a provider, or of one pair, oldest first: from the indexer when the client has
 * one, else from the EmergencyAccessUsed events.
 */
export async function listEmergencyAccesses(
  client: Reader,
  filter: { patient?: Address; grantee?: Address },
  options: ListOptions = {},
): Promise<Listing<EmergencyAccess>> {
  if (client.indexer !== undefined) {
    const { data, currentTo } = await client.indexer.eventsNamed("EmergencyAccessUsed", {
      patient: filter.patient,
      party: filter.grantee,
    });
    const accesses = data.map((event) => {
      const args = event.args as { patient: Address; grantee: Address; reasonHash: Hex; expiresAt: number };
      return {
        patient: args.patient,
        grantee: args.grantee,
        reasonHash: args.reasonHash,
        reason: emergencyReasonOf(args.reasonHash),
        expiresAt: Number(args.expiresAt),
        blockNumber: event.blockNumber,
        transactionHash: event.transactionHash,
      };
    });
    return Object.assign(accesses, { currentTo });
  }
  const { items: logs, latest } = await scanInBlockWindows(client, options, (fromBlock, toBlock) =>
    client.publicClient.getContractEvents({
      address: client.addresses.consentRegistry,
      abi: abis.ConsentRegistry,
      eventName: "EmergencyAccessUsed",
      args: filter,
      fromBlock,
      toBlock,
    }),
  );
  const accesses = logs.map((log) => ({
    patient: log.args.patient!,
    grantee: log.args.grantee!,
    reasonHash: log.args.reasonHash!,
    reason: emergencyReasonOf(log.args.reasonHash!),
    expiresAt: Number(log.args.expiresAt!),
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  }));
  return Object.assign(accesses, { currentTo: { blockNumber: latest } });
}
