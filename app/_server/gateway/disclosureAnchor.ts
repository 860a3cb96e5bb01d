// Anchoring the disclosure log: the entries after the chain's DisclosureLog.nextSeq() become one Merkle batch whose
// root the gateway's account sends to DisclosureLog.anchor. The contract refuses gaps and overlaps, so a batch
// always starts at nextSeq; it ends at the last entry taken (seq numbers skipped by failed inserts simply have no
// leaf). One anchor at a time: an in-process queue, plus a Postgres advisory lock across gateway processes.
import { BaseError, ContractFunctionRevertedError, type Hex } from "viem";
import { abis } from "../../_contracts/deployedContracts";
import { disclosureLeaf, merkleTree } from "../../_lib/vault/disclosureProof";
import type { Gateway } from "./context";
import type { Queryable } from "./db";
import { chainUnavailable, GatewayError } from "./errors";
import { pendingDisclosures } from "./disclosures";

/** The most entries in one batch, so the tree and the transaction stay small. */
export const MAX_BATCH = 10_000;
const ANCHOR_LOCK = 5_170_432;

export interface AnchoredBatch {
  root: Hex;
  fromSeq: number;
  toSeq: number;
  txHash: Hex;
}

let queue: Promise<unknown> = Promise.resolve();

/** Anchors the pending disclosures now; null when there was nothing to anchor (or another process is anchoring). */
export function anchorPendingDisclosures(gateway: Gateway): Promise<AnchoredBatch | null> {
  const run = () => withAnchorLock(gateway, () => anchorOnce(gateway));
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

async function withAnchorLock(gateway: Gateway, work: () => Promise<AnchoredBatch | null>) {
  // PGlite is one process's embedded database: the in-process queue is the lock. A transaction here would hold its
  // only connection (and every read) while the anchor transaction confirms.
  if (gateway.db.kind === "pglite") return work();
  return gateway.db.transaction(async (tx) => {
    const [{ locked }] = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [
      ANCHOR_LOCK,
    ]);
    return locked ? work() : null;
  });
}

async function anchorOnce(gateway: Gateway): Promise<AnchoredBatch | null> {
  const { config, db, publicClient, walletClient } = gateway;
  const address = config.addresses.disclosureLog;
  if (walletClient?.account === undefined || address === undefined) {
    throw new GatewayError(
      503,
      "anchoring_unavailable",
      "This gateway cannot anchor its disclosure log: set GATEWAY_PRIVATE_KEY to an account holding GATEWAY_ROLE.",
    );
  }
  const disclosureLog = { address, abi: abis.DisclosureLog } as const;
  const nextSeq = await chainNextSeq(gateway);
  await alignDisclosureSeq(db, nextSeq);
  const entries = await pendingDisclosures(db, nextSeq, MAX_BATCH);
  if (entries.length === 0) return null;
  const tree = merkleTree(entries.map(disclosureLeaf));
  const toSeq = entries[entries.length - 1].seq;
  let txHash: Hex;
  try {
    txHash = await walletClient.writeContract({
      ...disclosureLog,
      functionName: "anchor",
      args: [tree.root, nextSeq, toSeq],
      account: walletClient.account,
      chain: config.chain,
    });
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (
      reverted instanceof ContractFunctionRevertedError &&
      reverted.data?.errorName === "AccessControlUnauthorizedAccount"
    ) {
      throw new GatewayError(
        503,
        "anchoring_unavailable",
        `The gateway's account ${walletClient.account.address} does not hold GATEWAY_ROLE on the DisclosureLog: ` +
          `grant it with npx hardhat gateway:authorize --gateway ${walletClient.account.address}.`,
      );
    }
    throw error;
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 });
  if (receipt.status !== "success") throw new Error(`DisclosureLog.anchor reverted (transaction ${txHash}).`);
  await db.transaction((tx) =>
    recordBatch(
      tx,
      tree.root,
      nextSeq,
      toSeq,
      txHash,
      entries.map((e) => e.seq),
    ),
  );
  return { root: tree.root, fromSeq: Number(nextSeq), toSeq: Number(toSeq), txHash };
}

async function recordBatch(tx: Queryable, root: Hex, fromSeq: bigint, toSeq: bigint, txHash: Hex, seqs: bigint[]) {
  await tx.query(
    `INSERT INTO disclosure_batches (root, from_seq, to_seq, tx_hash, anchored_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (root) DO UPDATE SET tx_hash = EXCLUDED.tx_hash, anchored_at = EXCLUDED.anchored_at`,
    [root, fromSeq.toString(), toSeq.toString(), txHash, Date.now()],
  );
  // Exactly the rows in the tree: a row committed late inside the range stays unanchored rather than mis-proved.
  await tx.query("UPDATE disclosures SET batch_root = $1 WHERE seq = ANY($2::bigint[])", [
    root,
    seqs.map((seq) => seq.toString()),
  ]);
}

async function chainNextSeq(gateway: Gateway): Promise<bigint> {
  const address = gateway.config.addresses.disclosureLog;
  try {
    return await gateway.publicClient.readContract({ address, abi: abis.DisclosureLog, functionName: "nextSeq" });
  } catch (error) {
    console.error("gateway: DisclosureLog.nextSeq failed:", error instanceof Error ? error.message : error);
    throw chainUnavailable();
  }
}

/**
 * Moves the database's disclosure sequence up to the chain's nextSeq when it is behind (a new database for a log
 * that already has batches, e.g. a second deployment on the same chain), so new entries can still be anchored.
 * It only ever moves forward.
 */
async function alignDisclosureSeq(db: Queryable, nextSeq: bigint): Promise<void> {
  await db.query(
    `SELECT setval('disclosures_seq_seq', $1::bigint, false) FROM disclosures_seq_seq
      WHERE last_value + (CASE WHEN is_called THEN 1 ELSE 0 END) < $1::bigint`,
    [nextSeq.toString()],
  );
}

/** At start: aligns the sequence before the first read is logged. Best effort: the anchor run aligns again. */
export async function alignWithChain(gateway: Gateway): Promise<void> {
  if (gateway.config.addresses.disclosureLog === undefined) return;
  try {
    await alignDisclosureSeq(gateway.db, await chainNextSeq(gateway));
  } catch (error) {
    console.error(
      "gateway: could not align the disclosure sequence with the chain yet:",
      error instanceof Error ? error.message : error,
    );
  }
}
