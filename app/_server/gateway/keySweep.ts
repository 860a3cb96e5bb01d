// Deletes wrapped keys whose holder has lost read access: revoked, expired or narrowed consents, revoke-all. Reads
// delete a refused reader's keys at once (recordAccess.ts); this sweep catches readers who never came back.
import { READ } from "../../_lib/consentCodes";
import type { Gateway } from "./context";
import { deleteReaderKeys, grantedKeyGroups } from "./wrappedKeys";

/** One pass over every (patient, recipient, category) with keys; returns how many keys were deleted. */
export async function sweepRevokedKeys(gateway: Gateway): Promise<number> {
  const { db, chain } = gateway;
  let deleted = 0;
  for (const group of await grantedKeyGroups(db)) {
    const covered = await chain.coversActions(group.patient, group.recipient, 1n << BigInt(group.category), READ);
    if (covered) continue;
    // A suspended provider keeps its keys: reinstatement restores its access without any new consent.
    if (!(await chain.isActiveProvider(group.recipient))) continue;
    deleted += await deleteReaderKeys(db, group.patient, group.recipient, [group.category]);
  }
  return deleted;
}
