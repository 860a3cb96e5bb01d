// Anchoring the disclosure log. Under the anchor lock, the committed disclosures without a sequence number get the
// next numbers from the chain's DisclosureLog.nextSeq(), contiguously; their Merkle root becomes one anchor
// transaction, signed here first so its hash is known, and the plan (root, range, signed transaction) is written in
// the same database transaction as the numbers. Only then is it sent. Every run (and the start) first reconciles the
// plans not yet confirmed with the chain: a mined one is marked anchored, a dropped one sent again (re-signed for the
// same root and range if its nonce went to another transaction), one overtaken on chain released to a later batch;
// while one is in flight no new batch is planned. So every row ends in exactly one anchored batch, whatever crashed
// when. The lock: PGlite is one process, so an in-process queue; PostgreSQL adds an advisory lock held only while
// reconciling and planning, never while a transaction confirms.
import "server-only";
import {
  encodeFunctionData,
  keccak256,
  parseEventLogs,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Address,
  type Hex,
} from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { decodeRevert } from "@/lib/decodeRevert";
import { disclosureLeaf, merkleTree } from "@/lib/vault/disclosureProof";
import type { Gateway } from "@/server/gateway/context";
import type { Queryable } from "@/server/gateway/storage/db";
import { chainUnavailable, GatewayError } from "@/server/gateway/http/errors";
import { unsequencedDisclosures, type UnsequencedDisclosure } from "@/server/gateway/storage/disclosures";

/** The most entries in one batch, so the tree and the transaction stay small (DisclosureLog.MAX_BATCH() is larger). */
export const MAX_BATCH = 10_000;
const ANCHOR_LOCK = 5_170_432;
/** How long an anchoring request waits for its transaction's receipt before answering "pending". */
const RECEIPT_WAIT_MS = 30_000;

/** timer: the gateway's own schedule; on-demand: any signed-in account, debounced; forced: an operator. */
export type AnchorMode = "timer" | "on-demand" | "forced";

export interface AnchoredBatch {
  root: Hex;
  fromSeq: number;
  toSeq: number;
  txHash: Hex;
  /** anchored: the chain holds the root; pending: sent, not confirmed yet (the next run reconciles it). */
  status: "anchored" | "pending";
}

export interface AnchorOutcome {
  /** The batch this run anchored or found in flight; null when there was nothing to anchor (or it was deferred). */
  anchored: AnchoredBatch | null;
  /** Set when an on-demand request was deferred: unix seconds from when the next on-demand anchor may be sent. */
  nextAnchorAt?: number;
}

interface BatchPlan {
  root: Hex;
  fromSeq: bigint;
  toSeq: bigint;
  txHash: Hex;
  signedTx: Hex;
  nonce: bigint;
  plannedBlock: bigint;
}

/** What the steps under the lock read with and write with (PostgreSQL: one transaction, committed at the end). */
interface LockedScope {
  read: Queryable;
  write<R>(work: (tx: Queryable) => Promise<R>): Promise<R>;
}

/** A locked step's answer, and the signed transactions to send once its writes are committed. */
interface StepResult {
  batch: BatchPlan | null;
  /** Planned by this run (worth waiting for), rather than an earlier one still in flight. */
  planned: boolean;
  nextAnchorAt?: number;
  toSend: Hex[];
}

const anchoringUnavailable = (message: string) => new GatewayError(503, "anchoring_unavailable", message);

function disclosureLogOf(gateway: Gateway) {
  const address = gateway.config.addresses.disclosureLog;
  const account = gateway.walletClient?.account;
  if (account === undefined || address === undefined) {
    throw anchoringUnavailable(
      "This gateway cannot anchor its disclosure log: set GATEWAY_PRIVATE_KEY to an account holding GATEWAY_ROLE.",
    );
  }
  return { address, abi: abis.DisclosureLog, account, walletClient: gateway.walletClient! } as const;
}

// ---- the lock ------------------------------------------------------------------------------------------------------

// On globalThis: every route bundle and the timer must share one queue.
const store = globalThis as typeof globalThis & { __medconsentAnchorQueue?: Promise<unknown> };

/** Runs `step` alone in this process and, with PostgreSQL, across processes; null when another process holds it. */
function serialized<T>(gateway: Gateway, step: (scope: LockedScope) => Promise<T>): Promise<T | null> {
  const run = () => withAnchorLock(gateway, step);
  const previous = store.__medconsentAnchorQueue ?? Promise.resolve();
  const result = previous.then(run, run);
  store.__medconsentAnchorQueue = result.catch(() => undefined);
  return result;
}

async function withAnchorLock<T>(gateway: Gateway, step: (scope: LockedScope) => Promise<T>): Promise<T | null> {
  const { db } = gateway;
  // PGlite has one connection: a transaction around the chain calls would hold every read, so each write is its own
  // transaction and the queue is the lock.
  if (db.kind === "pglite") return step({ read: db, write: (work) => db.transaction(work) });
  return db.transaction(async (tx) => {
    const [{ locked }] = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [
      ANCHOR_LOCK,
    ]);
    return locked ? step({ read: tx, write: (work) => work(tx) }) : null;
  });
}

// ---- entry points --------------------------------------------------------------------------------------------------

/**
 * Reconciles, then anchors the pending disclosures (on demand: only if no batch was planned in the last
 * onDemandAnchorSeconds), sends, and waits a while for the receipt.
 */
export async function anchorDisclosures(gateway: Gateway, mode: AnchorMode): Promise<AnchorOutcome> {
  disclosureLogOf(gateway);
  const step = await serialized(gateway, (scope) => reconcileAndPlan(gateway, scope, mode));
  if (step === null) return { anchored: null }; // another gateway process is anchoring right now
  await sendAll(gateway, step.toSend);
  const anchored = step.batch === null ? null : await awaitBatch(gateway, step.batch, step.planned);
  return step.nextAnchorAt === undefined ? { anchored } : { anchored, nextAnchorAt: step.nextAnchorAt };
}

/** Settles the unconfirmed plans with the chain now, and sends what must be sent again. */
async function reconcileNow(gateway: Gateway): Promise<void> {
  const toSend = await serialized(gateway, async (scope) => {
    const toSend: Hex[] = [];
    await reconcilePlans(gateway, scope, toSend);
    return toSend;
  });
  await sendAll(gateway, toSend ?? []);
}

/** At start: settles the plans a previous process left (mined, dropped or overtaken). Best effort. */
export async function reconcileAtStart(gateway: Gateway): Promise<void> {
  if (gateway.config.addresses.disclosureLog === undefined || gateway.walletClient?.account === undefined) return;
  try {
    await reconcileNow(gateway);
  } catch (error) {
    console.error(
      "gateway: could not reconcile the disclosure batches with the chain yet:",
      error instanceof Error ? error.message : error,
    );
  }
}

async function reconcileAndPlan(gateway: Gateway, scope: LockedScope, mode: AnchorMode): Promise<StepResult> {
  const toSend: Hex[] = [];
  const inFlight = await reconcilePlans(gateway, scope, toSend);
  // Never a second batch while one is unconfirmed: it would overlap the first and revert.
  if (inFlight !== undefined) return { batch: inFlight, planned: false, toSend };
  const rows = await unsequencedDisclosures(scope.read, MAX_BATCH);
  if (rows.length === 0) return { batch: null, planned: false, toSend };
  if (mode === "on-demand") {
    const nextAnchorAt = await nextOnDemandAnchorAt(gateway, scope.read);
    if (nextAnchorAt > Date.now()) {
      return { batch: null, planned: false, nextAnchorAt: Math.ceil(nextAnchorAt / 1000), toSend };
    }
  }
  const plan = await planBatch(gateway, scope, rows);
  toSend.push(plan.signedTx);
  return { batch: plan, planned: true, toSend };
}

/** Unix milliseconds from when an on-demand request may plan a batch: the interval after the last one planned. */
async function nextOnDemandAnchorAt(gateway: Gateway, db: Queryable): Promise<number> {
  const [{ last }] = await db.query<{ last: string | number | null }>(
    "SELECT max(planned_at) AS last FROM disclosure_batches",
  );
  return last === null ? 0 : Number(last) + gateway.config.onDemandAnchorSeconds * 1000;
}

// ---- planning ------------------------------------------------------------------------------------------------------

async function planBatch(gateway: Gateway, scope: LockedScope, rows: UnsequencedDisclosure[]): Promise<BatchPlan> {
  const plannedBlock = await gateway.chain.blockNumber();
  const fromSeq = await chainNextSeq(gateway, plannedBlock);
  await checkLogMatchesChain(scope.read, fromSeq);
  const toSeq = fromSeq + BigInt(rows.length - 1);
  const tree = merkleTree(rows.map((row, i) => disclosureLeaf({ ...row.entry, seq: fromSeq + BigInt(i) })));
  const signed = await signAnchor(gateway, tree.root, fromSeq, toSeq);
  const plan: BatchPlan = { root: tree.root, fromSeq, toSeq, plannedBlock, ...signed };
  await scope.write(async (tx) => {
    await tx.query(
      `INSERT INTO disclosure_batches (root, from_seq, to_seq, tx_hash, signed_tx, tx_nonce, planned_at, planned_block)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        plan.root,
        fromSeq.toString(),
        toSeq.toString(),
        plan.txHash,
        plan.signedTx,
        plan.nonce.toString(),
        Date.now(),
        plannedBlock.toString(),
      ],
    );
    const numbered = await tx.query(
      `UPDATE disclosures d SET seq = $2::bigint + v.ord - 1, batch_root = $1
         FROM unnest($3::bigint[]) WITH ORDINALITY AS v(id, ord)
        WHERE d.id = v.id AND d.seq IS NULL
       RETURNING d.id`,
      [plan.root, fromSeq.toString(), rows.map((row) => row.id.toString())],
    );
    // Only the planner numbers rows, under the lock: anything else is a bug, and nothing is written.
    if (numbered.length !== rows.length) throw new Error("disclosures changed while a batch was planned");
  });
  return plan;
}

/** The database must not hold sequence numbers the chain has not reached: that is another log (a reset chain). */
async function checkLogMatchesChain(db: Queryable, nextSeq: bigint): Promise<void> {
  const [{ last }] = await db.query<{ last: string | number | null }>("SELECT max(seq) AS last FROM disclosures");
  if (last !== null && BigInt(last) >= nextSeq) {
    throw anchoringUnavailable(
      `This gateway's disclosure log reaches sequence number ${last}, but the DisclosureLog on chain expects ` +
        `${nextSeq} next: the database belongs to another chain or deployment. Give this one its own database.`,
    );
  }
}

/** The anchor transaction, prepared and signed here (explicit nonce), so its hash is known before it is sent. */
async function signAnchor(
  gateway: Gateway,
  root: Hex,
  fromSeq: bigint,
  toSeq: bigint,
): Promise<{ txHash: Hex; signedTx: Hex; nonce: bigint }> {
  const { address, abi, account, walletClient } = disclosureLogOf(gateway);
  const data = encodeFunctionData({ abi, functionName: "anchor", args: [root, fromSeq, toSeq] });
  let signedTx: Hex;
  let nonce: number;
  try {
    nonce = await gateway.consentClient.publicClient.getTransactionCount({
      address: account.address,
      blockTag: "pending",
    });
    const request = await walletClient.prepareTransactionRequest({
      account,
      chain: gateway.config.chain,
      to: address,
      data,
      nonce,
    });
    signedTx = await walletClient.signTransaction(request);
  } catch (error) {
    throw explainAnchorFailure(error, account.address);
  }
  return { txHash: keccak256(signedTx), signedTx, nonce: BigInt(nonce) };
}

function explainAnchorFailure(error: unknown, account: Address): Error {
  const errorName = decodeRevert(error)?.errorName;
  if (errorName === "AccessControlUnauthorizedAccount") {
    return anchoringUnavailable(
      `The gateway's account ${account} does not hold GATEWAY_ROLE on the DisclosureLog: ` +
        `grant it with npx hardhat gateway:authorize --gateway ${account}.`,
    );
  }
  if (errorName !== undefined) return new Error(`DisclosureLog.anchor would revert with ${errorName}.`);
  console.error("gateway: preparing the anchor transaction failed:", error instanceof Error ? error.message : error);
  return chainUnavailable();
}

/** Sends signed transactions; a failure is only logged: the next reconciliation sends again. */
async function sendAll(gateway: Gateway, signed: readonly Hex[]): Promise<void> {
  const { walletClient } = disclosureLogOf(gateway);
  for (const serializedTransaction of signed) {
    try {
      await walletClient.sendRawTransaction({ serializedTransaction });
    } catch (error) {
      console.error(
        `gateway: sending anchor transaction ${keccak256(serializedTransaction)} failed (it will be retried):`,
        error instanceof Error ? error.message : error,
      );
    }
  }
}

// ---- reconciliation ------------------------------------------------------------------------------------------------

interface PlanRow {
  root: string;
  from_seq: string | number;
  to_seq: string | number;
  tx_hash: string;
  signed_tx: string | null;
  tx_nonce: string | number | null;
  planned_block: string | number | null;
}

const planOfRow = (row: PlanRow): BatchPlan => ({
  root: row.root as Hex,
  fromSeq: BigInt(row.from_seq),
  toSeq: BigInt(row.to_seq),
  txHash: row.tx_hash as Hex,
  signedTx: (row.signed_tx ?? "0x") as Hex,
  nonce: BigInt(row.tx_nonce ?? 0),
  plannedBlock: BigInt(row.planned_block ?? 0),
});

/** Settles every unconfirmed plan with the chain; returns the one still in flight, if any. */
async function reconcilePlans(gateway: Gateway, scope: LockedScope, toSend: Hex[]): Promise<BatchPlan | undefined> {
  const rows = await scope.read.query<PlanRow>(
    `SELECT root, from_seq, to_seq, tx_hash, signed_tx, tx_nonce, planned_block FROM disclosure_batches
      WHERE anchored_at IS NULL ORDER BY from_seq`,
  );
  if (rows.length === 0) return undefined;
  // One block for every read, so nextSeq and batchOf describe the same chain state.
  const block = await gateway.chain.blockNumber();
  const nextSeq = await chainNextSeq(gateway, block);
  let inFlight: BatchPlan | undefined;
  for (const plan of rows.map(planOfRow)) {
    const anchoredAt = await anchoredAtOnChain(gateway, plan.root, block);
    if (anchoredAt !== 0) {
      const txHash = await anchoringTransaction(gateway, plan);
      await scope.write((tx) =>
        tx.query("UPDATE disclosure_batches SET anchored_at = $2, tx_hash = $3, signed_tx = NULL WHERE root = $1", [
          plan.root,
          anchoredAt * 1000,
          txHash,
        ]),
      );
    } else if (nextSeq !== plan.fromSeq) {
      // Another anchor took this range, so this root can never be anchored: its rows go to a later batch.
      console.warn(`gateway: batch ${plan.fromSeq}-${plan.toSeq} was overtaken on chain; its reads are re-planned`);
      await scope.write(async (tx) => {
        await tx.query("UPDATE disclosures SET seq = NULL, batch_root = NULL WHERE batch_root = $1", [plan.root]);
        await tx.query("DELETE FROM disclosure_batches WHERE root = $1", [plan.root]);
      });
    } else {
      inFlight = await keepInFlight(gateway, scope, plan, toSend);
    }
  }
  return inFlight;
}

/** A plan the chain does not hold yet: leaves it pending, sends it again, or signs it again with a fresh nonce. */
async function keepInFlight(gateway: Gateway, scope: LockedScope, plan: BatchPlan, toSend: Hex[]): Promise<BatchPlan> {
  const status = await transactionStatus(gateway, plan.txHash);
  if (status === "pending" || status === "succeeded") return plan;
  if (status === "unknown") {
    // Dropped, or never sent (the process died after writing the plan): the same bytes, unless their nonce is spent.
    const { account } = disclosureLogOf(gateway);
    const spent = await gateway.consentClient.publicClient.getTransactionCount({
      address: account.address,
      blockTag: "latest",
    });
    if (BigInt(spent) <= plan.nonce) {
      toSend.push(plan.signedTx);
      return plan;
    }
  }
  // Reverted (e.g. out of gas), or its nonce went to another transaction: the same root and range, signed again.
  const signed = await signAnchor(gateway, plan.root, plan.fromSeq, plan.toSeq);
  await scope.write((tx) =>
    tx.query("UPDATE disclosure_batches SET tx_hash = $2, signed_tx = $3, tx_nonce = $4 WHERE root = $1", [
      plan.root,
      signed.txHash,
      signed.signedTx,
      signed.nonce.toString(),
    ]),
  );
  toSend.push(signed.signedTx);
  return { ...plan, ...signed };
}

async function transactionStatus(
  gateway: Gateway,
  hash: Hex,
): Promise<"succeeded" | "reverted" | "pending" | "unknown"> {
  const { publicClient } = gateway.consentClient;
  try {
    const receipt = await publicClient.getTransactionReceipt({ hash });
    return receipt.status === "success" ? "succeeded" : "reverted";
  } catch (error) {
    if (!(error instanceof TransactionReceiptNotFoundError)) throw chainFailure("getTransactionReceipt", error);
  }
  try {
    await publicClient.getTransaction({ hash });
    return "pending";
  } catch (error) {
    if (error instanceof TransactionNotFoundError) return "unknown";
    throw chainFailure("getTransaction", error);
  }
}

/** The transaction that anchored the plan's root: its own, or (re-signed or sent twice) the one the event names. */
async function anchoringTransaction(gateway: Gateway, plan: BatchPlan): Promise<Hex> {
  if ((await transactionStatus(gateway, plan.txHash)) === "succeeded") return plan.txHash;
  const { address, abi } = disclosureLogOf(gateway);
  try {
    const logs = await gateway.consentClient.publicClient.getLogs({
      address,
      event: abi.find((item) => item.type === "event" && item.name === "DisclosuresAnchored")!,
      args: { root: plan.root },
      fromBlock: plan.plannedBlock,
    });
    const [event] = parseEventLogs({ abi, eventName: "DisclosuresAnchored", logs });
    return event?.transactionHash ?? plan.txHash;
  } catch (error) {
    throw chainFailure("getLogs", error);
  }
}

async function chainNextSeq(gateway: Gateway, blockNumber: bigint): Promise<bigint> {
  const { address, abi } = disclosureLogOf(gateway);
  try {
    return await gateway.consentClient.publicClient.readContract({
      address,
      abi,
      functionName: "nextSeq",
      blockNumber,
    });
  } catch (error) {
    throw chainFailure("DisclosureLog.nextSeq", error);
  }
}

async function anchoredAtOnChain(gateway: Gateway, root: Hex, blockNumber: bigint): Promise<number> {
  const { address, abi } = disclosureLogOf(gateway);
  try {
    const batch = await gateway.consentClient.publicClient.readContract({
      address,
      abi,
      functionName: "batchOf",
      args: [root],
      blockNumber,
    });
    return batch.anchoredAt;
  } catch (error) {
    throw chainFailure("DisclosureLog.batchOf", error);
  }
}

function chainFailure(what: string, error: unknown) {
  console.error(`gateway: ${what} failed:`, error instanceof Error ? error.message : error);
  return chainUnavailable();
}

// ---- after sending -------------------------------------------------------------------------------------------------

/**
 * Waits (bounded) for the transaction of a batch this run planned, reconciles, and answers the batch as the database
 * now has it. A batch an earlier run left in flight is answered at once: no request waits on another's transaction.
 */
async function awaitBatch(gateway: Gateway, plan: BatchPlan, planned: boolean): Promise<AnchoredBatch | null> {
  if (planned) await awaitConfirmation(gateway, plan);
  const [row] = await gateway.db.query<{ tx_hash: string; anchored_at: string | number | null }>(
    "SELECT tx_hash, anchored_at FROM disclosure_batches WHERE root = $1",
    [plan.root],
  );
  if (row === undefined) return null; // overtaken on chain: its reads wait for the next batch
  return {
    root: plan.root,
    fromSeq: Number(plan.fromSeq),
    toSeq: Number(plan.toSeq),
    txHash: row.tx_hash as Hex,
    status: row.anchored_at === null ? "pending" : "anchored",
  };
}

async function awaitConfirmation(gateway: Gateway, plan: BatchPlan): Promise<void> {
  try {
    await gateway.consentClient.publicClient.waitForTransactionReceipt({
      hash: plan.txHash,
      timeout: RECEIPT_WAIT_MS,
      pollingInterval: 500,
    });
    await reconcileNow(gateway);
  } catch (error) {
    // Not confirmed yet (or the node is unreachable): the batch stays planned, and the next run reconciles it.
    console.error(
      `gateway: anchor transaction ${plan.txHash} not confirmed yet:`,
      error instanceof Error ? error.message : error,
    );
  }
}
