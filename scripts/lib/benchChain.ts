// Shared by the benchmarks that fill a local node: a seeded random generator, batched sending, and the median.
import type { Address, Hex } from "viem";
import { toHex } from "viem";
import { rpcBatch } from "@/harness/localNode";

const RPC_BATCH = 500;

/** A deterministic generator (mulberry32), so every run builds the same chain. */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * eth_sendTransaction from unlocked or impersonated accounts, in JSON-RPC batches of 500 (automine mines each at
 * once), then the receipts, failing on the first reverted transaction.
 */
export async function sendTransactions(
  url: string,
  transactions: { from: Address; to: Address; data: Hex; gas: number }[],
): Promise<void> {
  for (let start = 0; start < transactions.length; start += RPC_BATCH) {
    const hashes = await rpcBatch<Hex>(
      url,
      transactions
        .slice(start, start + RPC_BATCH)
        .map((tx) => ({ method: "eth_sendTransaction", params: [{ ...tx, gas: toHex(tx.gas) }] })),
    );
    const receipts = await rpcBatch<{ status: Hex }>(
      url,
      hashes.map((hash) => ({ method: "eth_getTransactionReceipt", params: [hash] })),
    );
    const failed = receipts.findIndex((r) => r.status !== "0x1");
    if (failed >= 0) throw new Error(`transaction ${start + failed} reverted`);
  }
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
