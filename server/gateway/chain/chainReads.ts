// Every chain read the gateway makes. An RPC failure becomes 503 chain_unavailable (fail closed); a revert the caller
// can act on (RecordNotFound, checkAccess's reasons) is decoded. Record metadata other than supersededBy never
// changes, so (contentHash, category, author) is cached per record; consent (hasAccess) is never cached. Access
// decisions are read at an explicit block number, so the gateway can say (and log) which chain state it acted on.
import "server-only";
import {
  BaseError,
  decodeErrorResult,
  encodeFunctionData,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { explainError } from "@/lib/accessErrors";
import { READ } from "@/lib/consentCodes";
import type { MedConsentAddresses } from "@/lib/consentClient";
import { revertDataOf } from "@/lib/revertData";
import { chainUnavailable } from "@/server/gateway/http/errors";

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

function decodeRevert(error: unknown, abi: Abi): { errorName: string; args: readonly unknown[] } | undefined {
  const data = revertDataOf(error);
  if (data === undefined) return undefined;
  try {
    const decoded = decodeErrorResult({ abi, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

export function createChainAccess(publicClient: PublicClient, addresses: MedConsentAddresses) {
  const consentRegistry = { address: addresses.consentRegistry, abi: abis.ConsentRegistry } as const;
  const recordRegistry = { address: addresses.recordRegistry, abi: abis.RecordRegistry } as const;
  const providerRegistry = { address: addresses.providerRegistry, abi: abis.ProviderRegistry } as const;
  const records = new LruCache<string, RecordMeta>(50_000);

  /** Runs one read; any failure that is not an expected revert means the chain could not answer. */
  async function read<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      console.error("gateway: chain read failed:", error instanceof BaseError ? error.shortMessage : error);
      throw chainUnavailable();
    }
  }

  return {
    /** The record's immutable metadata, or undefined when the patient has no record with that id. */
    async record(patient: Address, recordId: bigint): Promise<RecordMeta | undefined> {
      if (recordId === 0n) return undefined;
      const key = `${patient}:${recordId}`;
      const cached = records.get(key);
      if (cached !== undefined) return cached;
      let result: readonly [Hex, number, Address, number, bigint];
      try {
        result = await publicClient.readContract({
          ...recordRegistry,
          functionName: "getRecord",
          args: [patient, recordId],
        });
      } catch (error) {
        if (decodeRevert(error, abis.RecordRegistry)?.errorName === "RecordNotFound") return undefined;
        console.error("gateway: getRecord failed:", error instanceof BaseError ? error.shortMessage : error);
        throw chainUnavailable();
      }
      const meta = { contentHash: result[0], category: result[1], author: result[2] };
      records.set(key, meta);
      return meta;
    },

    /** How many records the patient has (ids 1..count). */
    recordCount(patient: Address): Promise<bigint> {
      return read(() => publicClient.readContract({ ...recordRegistry, functionName: "recordCount", args: [patient] }));
    },

    /** The latest block number, never cached: the block an access decision is then read at. */
    blockNumber() {
      return read(() => publicClient.getBlockNumber({ cacheTime: 0 }));
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
      return read(() =>
        publicClient.readContract({
          ...consentRegistry,
          functionName: "hasAccess",
          args: [patient, grantee, categories, action, purpose],
          blockNumber,
        }),
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
      const data = encodeFunctionData({
        abi: abis.ConsentRegistry,
        functionName: "checkAccess",
        args: [patient, grantee, categories, action, purpose],
      });
      try {
        await publicClient.call({ to: consentRegistry.address, data, blockNumber });
        return undefined;
      } catch (error) {
        const revert = decodeRevert(error, abis.ConsentRegistry);
        if (revert === undefined) {
          console.error("gateway: checkAccess failed:", error instanceof BaseError ? error.shortMessage : error);
          throw chainUnavailable();
        }
        return { reason: revert.errorName, message: explainError(revert.errorName, revert.args) };
      }
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
      return read(() =>
        publicClient.readContract({
          ...consentRegistry,
          functionName: "coversActions",
          args: [patient, grantee, categories, actions],
          blockNumber,
        }),
      );
    },

    isActiveProvider(provider: Address, blockNumber?: bigint) {
      return read(() =>
        publicClient.readContract({
          ...providerRegistry,
          functionName: "isActiveProvider",
          args: [provider],
          blockNumber,
        }),
      );
    },
  };
}

export type ChainAccess = ReturnType<typeof createChainAccess>;
