// The gateway's policy over the client library's chain reads (its one instance is the context's `chain`): an RPC
// failure becomes 503 chain_unavailable (fail closed), a refusal comes back named and in plain words, and a record's
// immutable metadata (contentHash, category, author) is cached; consent (hasAccess) is never cached. Access decisions
// are read at an explicit block number, so the gateway can say (and log) which chain state it acted on.
import "server-only";
import { BaseError, type Address, type Hex, type PublicClient } from "viem";
import type { AccessQuery, ConsentClient } from "@/lib/consentClient";
import { READ } from "@/lib/consentCodes";
import { IndexerError } from "@/lib/indexer/indexerReader";
import { chainUnavailable, indexerUnavailable } from "@/server/gateway/http/errors";

export interface RecordMeta {
  contentHash: Hex;
  category: number;
  author: Address;
}

export interface AccessRefusal {
  /** The custom error checkAccess reverted with, e.g. "AccessNoConsent". */
  reason: string;
  /** The same in plain words. */
  message: string;
}

/**
 * Awaits a chain read (or a list from the indexer); any failure means it could not answer, so nothing is decided or
 * served (503).
 */
export async function failClosed<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof IndexerError) {
      console.error(`gateway: ${what} failed:`, error.message);
      throw indexerUnavailable();
    }
    console.error(`gateway: ${what} failed:`, error instanceof BaseError ? error.shortMessage : error);
    throw chainUnavailable();
  }
}

/** A small LRU: Map keeps insertion order, so re-inserting on a hit moves the entry to the young end. */
class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: K, value: V) {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
}

export function createChainReads(chain: ConsentClient<PublicClient>) {
  const records = new LruCache<string, RecordMeta>(50_000);

  return {
    /** The record's immutable metadata, or undefined when the patient has no record with that id. */
    async record(patient: Address, recordId: bigint): Promise<RecordMeta | undefined> {
      if (recordId === 0n) return undefined;
      const key = `${patient}:${recordId}`;
      const cached = records.get(key);
      if (cached !== undefined) return cached;
      const stored = await failClosed("getRecord", () => chain.getRecord(patient, recordId));
      if (stored === undefined) return undefined;
      const meta = { contentHash: stored.contentHash, category: stored.category, author: stored.author };
      records.set(key, meta);
      return meta;
    },

    /** How many records the patient has (ids 1..count). */
    recordCount(patient: Address): Promise<bigint> {
      return failClosed("chain read", () => chain.recordCount(patient));
    },

    /** The latest block number, never cached: the block an access decision is then read at. */
    blockNumber() {
      return failClosed("chain read", () => chain.blockNumber());
    },

    /** hasAccess at `blockNumber` (taken with blockNumber() right before): the read path's access decision. */
    hasAccess(
      patient: Address,
      grantee: Address,
      categories: bigint,
      action: number,
      purpose: number,
      blockNumber: bigint,
    ) {
      return failClosed("chain read", () =>
        chain.hasAccess({ patient, grantee, categories, action, purpose }, { blockNumber }),
      );
    },

    /** checkAccess at a block (latest when undefined): undefined when allowed, else the reason, named and in words. */
    async explainAccess(
      patient: Address,
      grantee: Address,
      categories: bigint,
      action: number,
      purpose: number,
      blockNumber?: bigint,
    ): Promise<AccessRefusal | undefined> {
      const query: AccessQuery = { patient, grantee, categories, action, purpose };
      const answer = await failClosed("checkAccess", () => chain.explainAccess(query, { blockNumber }));
      return answer.allowed ? undefined : { reason: answer.error!, message: answer.reason! };
    },

    /**
     * Whether `grantee` is an active provider whose live consent covers `categories` with every action given, at a
     * block (latest when undefined).
     */
    coversActions(
      patient: Address,
      grantee: Address,
      categories: bigint,
      actions: number = READ,
      blockNumber?: bigint,
    ) {
      return failClosed("chain read", () =>
        chain.coversActions({ patient, grantee, categories, actions }, { blockNumber }),
      );
    },

    isActiveProvider(provider: Address, blockNumber?: bigint) {
      return failClosed("chain read", () => chain.isActiveProvider(provider, { blockNumber }));
    },
  };
}

export type ChainReads = ReturnType<typeof createChainReads>;
