// Deletes wrapped keys whose holder has lost read access: revoked, expired or narrowed consents, revoke-all. A refused
// read deletes the reader's keys (deleteKeysOfRefusedRead); the sweep catches readers who never came back. Either
// deletes only once the refusal also holds GATEWAY_KEY_DELETION_CONFIRMATIONS blocks back, and only keys stored after
// a chain check at or before that block: a lagging node or a reorg can refuse a read, but never delete a valid key.
import "server-only";
import type { Address } from "viem";
import { READ } from "@/lib/consentCodes";
import type { AccessRefusal } from "@/server/gateway/chain/chainReads";
import type { Gateway } from "@/server/gateway/context";
import { deleteReaderKeys, grantedKeyGroups } from "@/server/gateway/storage/wrappedKeys";

/** Which of a reader's keys a refusal ends: all (the consent is gone), the record's category only, or none. */
type DeletionScope = "all" | "category" | "none";

/** checkAccess reasons meaning the reader no longer holds READ on any category of this patient's data. */
const LOST_ALL_READ = new Set(["AccessNoConsent", "AccessExpired", "AccessActionNotGranted"]);

// A suspension or a purpose outside the consent does not end the consent itself: those keys stay.
function scopeOf(refusal: AccessRefusal | undefined): DeletionScope {
  if (refusal === undefined) return "none";
  if (LOST_ALL_READ.has(refusal.reason)) return "all";
  return refusal.reason === "AccessCategoryNotGranted" ? "category" : "none";
}

const RANK: Record<DeletionScope, number> = { none: 0, category: 1, all: 2 };
const narrower = (a: DeletionScope, b: DeletionScope) => (RANK[a] <= RANK[b] ? a : b);

/** The block a refusal seen at `latest` must also hold at; undefined while the chain is shorter than the depth. */
export function confirmationBlock(gateway: Gateway, latest: bigint): bigint | undefined {
  const depth = BigInt(gateway.config.keyDeletionConfirmations);
  return latest < depth ? undefined : latest - depth;
}

/**
 * After a read refused at `decisionBlock` for `refusal`: deletes the reader's keys the refusal ends, if it also holds
 * at the confirmation depth. Returns how many keys were deleted.
 */
export async function deleteKeysOfRefusedRead(
  gateway: Gateway,
  read: {
    patient: Address;
    reader: Address;
    categoryBit: number;
    purpose: number;
    refusal: AccessRefusal;
    decisionBlock: bigint;
  },
): Promise<number> {
  const { patient, reader, categoryBit, purpose } = read;
  const confirmed = confirmationBlock(gateway, read.decisionBlock);
  let scope = scopeOf(read.refusal);
  if (scope === "none" || confirmed === undefined) return 0;
  if (confirmed !== read.decisionBlock) {
    const then = await gateway.chain.explainAccess(
      patient,
      reader,
      1n << BigInt(categoryBit),
      READ,
      purpose,
      confirmed,
    );
    scope = narrower(scope, scopeOf(then));
  }
  if (scope === "none") return 0;
  return deleteReaderKeys(gateway.db, patient, reader, scope === "all" ? undefined : [categoryBit], confirmed);
}

/** Whether `recipient`, an active provider, is not covered for READ on the category at `block`. */
async function lostReadAt(gateway: Gateway, group: KeyGroup, block: bigint): Promise<boolean> {
  const { chain } = gateway;
  const covered = await chain.coversActions(group.patient, group.recipient, 1n << BigInt(group.category), READ, block);
  // A suspended provider keeps its keys: reinstatement restores its access without any new consent.
  return !covered && (await chain.isActiveProvider(group.recipient, block));
}

type KeyGroup = Awaited<ReturnType<typeof grantedKeyGroups>>[number];

/** One pass over every (patient, recipient, category) with keys; returns how many keys were deleted. */
export async function sweepRevokedKeys(gateway: Gateway): Promise<number> {
  const latest = await gateway.chain.blockNumber();
  const confirmed = confirmationBlock(gateway, latest);
  if (confirmed === undefined) return 0;
  let deleted = 0;
  for (const group of await grantedKeyGroups(gateway.db)) {
    if (!(await lostReadAt(gateway, group, latest))) continue;
    if (confirmed !== latest && !(await lostReadAt(gateway, group, confirmed))) continue;
    deleted += await deleteReaderKeys(gateway.db, group.patient, group.recipient, [group.category], confirmed);
  }
  return deleted;
}
