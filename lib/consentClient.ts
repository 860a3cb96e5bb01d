// MedConsent client library: one module, no React, used by the CLI, the portal and providers' own services.
//   const client = createConsentClient({ chainId: 11155111, rpcUrl: process.env.RPC_URL });
//   if (await client.hasAccess({ patient, grantee, categories: "lab-results", action: "read", purpose: "treatment" }))
import {
  createClient,
  encodeFunctionData,
  http,
  formatLog,
  getAddress,
  pad,
  parseEventLogs,
  sha256,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import {
  getBlock,
  getBlockNumber,
  getChainId,
  getContractEvents,
  readContract,
  watchContractEvent,
} from "viem/actions";
import deployedContracts, { abis } from "./contracts/deployedContracts";
import { explainError } from "./accessErrors";
import { decodeRevert } from "./decodeRevert";
import { createIndexerReader, type IndexedBlock, type IndexerReader } from "./indexer/indexerReader";
import {
  describeActions,
  describeCategories,
  describePurposes,
  parseActions,
  parseCategories,
  parsePurposes,
  ROUTINE_CATEGORIES,
} from "./consentCodes";
import { formatDate } from "@/lib/format";

export interface MedConsentAddresses {
  providerRegistry: Address;
  consentRegistry: Address;
  recordRegistry: Address;
  keyDirectory: Address;
  disclosureLog: Address;
}

/**
 * The chain reads the library makes: those of viem's public actions it uses. Its own client has only these, so a
 * browser loads them and not all of viem's actions; a full PublicClient (the gateway's) is one too.
 */
export type ChainReader = Pick<
  PublicClient,
  "request" | "getBlock" | "getBlockNumber" | "getChainId" | "getContractEvents" | "readContract" | "watchContractEvent"
>;

function createChainReader(transport: Transport, pollingInterval: number): ChainReader {
  return createClient({ transport, pollingInterval }).extend((client) => ({
    getBlock: ((args) => getBlock(client, args)) as ChainReader["getBlock"],
    getBlockNumber: ((args) => getBlockNumber(client, args)) as ChainReader["getBlockNumber"],
    getChainId: () => getChainId(client),
    getContractEvents: ((args) => getContractEvents(client, args)) as ChainReader["getContractEvents"],
    readContract: ((args) => readContract(client, args)) as ChainReader["readContract"],
    watchContractEvent: ((args) => watchContractEvent(client, args)) as ChainReader["watchContractEvent"],
  }));
}

export interface ConsentClientOptions<Reader extends ChainReader = ChainReader> {
  /** Chain whose addresses and deployment block come from the generated bindings. */
  chainId?: number;
  /** JSON-RPC URL of a node of that chain (default http://127.0.0.1:8545). */
  rpcUrl?: string;
  /** Any viem transport instead of `rpcUrl` (e.g. `custom(window.ethereum)`). */
  transport?: Transport;
  /**
   * A viem client of your own instead of `rpcUrl` or `transport`, with its own timeout and retries (the gateway's:
   * a short timeout and none, so a slow node fails a request instead of hanging it).
   */
  publicClient?: Reader;
  /** Explicit addresses, for a deployment that is not in the bindings. */
  addresses?: MedConsentAddresses;
  /** First block to read events from (default: the deployment block from the bindings, else 0). */
  fromBlock?: bigint;
  /** Largest block span of one eth_getLogs request (default 10,000). */
  logRange?: bigint;
  /** Polling interval of `watchConsents`, in milliseconds (default 1,000). */
  pollingInterval?: number;
  /**
   * Batch JSON-RPC calls over `rpcUrl` (default false). Listings send their many small reads in a few HTTP requests,
   * at the price of a timer tick per call: worth it for a dashboard, not for a service's `hasAccess` hot path.
   */
  batch?: boolean;
  /**
   * The MedConsent indexer's URL (indexer/, e.g. http://127.0.0.1:42069). Lists and histories (`listConsents`,
   * `getRecords`, `getPatientEvents`, providers, emergency accesses) then come from it in a few requests whatever the
   * chain's age; without it they scan eth_getLogs from the deployment block. Access checks never use it.
   */
  indexerUrl?: string;
  /** How long one request to the indexer may take before it fails (default: no limit of the library's own). */
  indexerTimeoutMs?: number;
}

/** The block a list is current to: the indexer's (with its time), or the latest block a log scan read. */
export interface CurrentTo {
  blockNumber: bigint;
  timestamp?: number;
}

/** A list, with the block it is current to. */
export type Listing<T> = T[] & { currentTo: CurrentTo };

const listing = <T>(items: T[], currentTo: CurrentTo): Listing<T> => Object.assign(items, { currentTo });

/** Where the indexer stands against the chain's head: `behind` blocks not yet queryable through it. */
export interface IndexerStatus {
  indexedTo: IndexedBlock;
  head: bigint;
  behind: number;
}

export interface AccessQuery {
  patient: Address;
  grantee: Address;
  /** A mask, or names: "lab-results,medications", "routine". */
  categories: bigint | number | string;
  /** One action: "read" | "append" | 1 | 2. */
  action: number | string;
  /** One purpose: "treatment" | "research" | … | a single bit. */
  purpose: number | string;
}

export interface AccessExplanation {
  allowed: boolean;
  /** The custom error `checkAccess` reverted with, when not allowed. */
  error?: string;
  /** Why not, in plain words. */
  reason?: string;
}

export type ConsentState = "active" | "expiring" | "expired" | "revoked";

export interface ConsentEntry {
  patient: Address;
  grantee: Address;
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
  /** When the terms shown were granted (from the chain, or from the last grant event once revoked). */
  grantedAt: number;
  state: ConsentState;
  /** "may read lab results and medications for treatment until 24 Dec 2026" */
  summary: string;
}

/** A block to read at (default: the latest), so an answer can say which chain state it was read from. */
export interface AtBlock {
  blockNumber?: bigint;
}

/** A record pointer as stored on chain (its URI lives only in the RecordAdded event). */
export interface StoredRecord {
  contentHash: Hex;
  category: number;
  author: Address;
  createdAt: number;
  supersededBy: bigint;
}

export interface RecordEntry {
  id: bigint;
  contentHash: Hex;
  category: number;
  author: Address;
  createdAt: number;
  supersededBy: bigint;
  uri: string;
}

export interface RecordVerification {
  matches: boolean;
  onChainHash: Hex;
  fileHash: Hex;
}

/** A patient who named `delegate`, and whether the delegate may act for them now. */
export interface Delegation {
  patient: Address;
  delegate: Address;
  active: boolean;
}

export type ConsentEvent =
  | { type: "granted"; patient: Address; grantee: Address; blockNumber: bigint; transactionHash: Hex }
  | { type: "revoked"; patient: Address; grantee: Address; blockNumber: bigint; transactionHash: Hex }
  | { type: "revokedAll"; patient: Address; blockNumber: bigint; transactionHash: Hex };

/** The events that concern one patient: every ConsentRegistry and RecordRegistry event indexed by the patient. */
export const PATIENT_EVENT_NAMES = [
  "ConsentGranted",
  "ConsentRevoked",
  "AllConsentsRevoked",
  "DelegateSet",
  "EmergencyAccessSet",
  "EmergencyAccessUsed",
  "NonceUsed",
  "RecordAdded",
  "RecordSuperseded",
] as const;

const PATIENT_EVENTS_ABI = [...abis.ConsentRegistry, ...abis.RecordRegistry] as const;

function decodePatientLogs(logs: Parameters<typeof parseEventLogs>[0]["logs"]) {
  return parseEventLogs({ abi: PATIENT_EVENTS_ABI, eventName: [...PATIENT_EVENT_NAMES], logs });
}

type DecodedPatientLog = ReturnType<typeof decodePatientLogs>[number];
export type PatientEventName = (typeof PATIENT_EVENT_NAMES)[number];

/** One decoded event about a patient: its name and arguments, where it sits in the chain, and its block's time. */
export type PatientEvent = {
  [name in PatientEventName]: {
    eventName: name;
    args: Extract<DecodedPatientLog, { eventName: name }>["args"];
    blockNumber: bigint;
    logIndex: number;
    transactionHash: Hex;
    /** Seconds. */
    timestamp: number;
  };
}[PatientEventName];

/**
 * Runs `read` over [fromBlock, toBlock] in consecutive windows of at most `logRange` blocks and concatenates the
 * results, so one eth_getLogs never spans more than a node allows and its cost follows the matches.
 */
export async function readInBlockWindows<T>(
  fromBlock: bigint,
  toBlock: bigint,
  logRange: bigint,
  read: (from: bigint, to: bigint) => Promise<readonly T[]>,
): Promise<T[]> {
  const results: T[] = [];
  for (let start = fromBlock; start <= toBlock; start += logRange) {
    const end = start + logRange - 1n < toBlock ? start + logRange - 1n : toBlock;
    results.push(...(await read(start, end)));
  }
  return results;
}

/** A consent ending within this many seconds is "expiring". */
export const EXPIRING_WITHIN = 7 * 24 * 3600;
const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
const DEFAULT_LOG_RANGE = 10_000n;

type Deployments = Record<number, Record<string, { address: Address; deployedOnBlock: number }>>;

/** The addresses and deployment block of `chainId` from the generated bindings, if it has a deployment. */
export function deploymentOf(chainId: number): { addresses: MedConsentAddresses; fromBlock: bigint } | undefined {
  const chain = (deployedContracts as unknown as Deployments)[chainId];
  if (chain === undefined) return undefined;
  return {
    addresses: {
      providerRegistry: chain.ProviderRegistry.address,
      consentRegistry: chain.ConsentRegistry.address,
      recordRegistry: chain.RecordRegistry.address,
      keyDirectory: chain.KeyDirectory.address,
      disclosureLog: chain.DisclosureLog.address,
    },
    fromBlock: BigInt(chain.ProviderRegistry.deployedOnBlock),
  };
}

export function createConsentClient<Reader extends ChainReader = ChainReader>(
  options: ConsentClientOptions<Reader> = {},
) {
  const fromBindings = options.chainId === undefined ? undefined : deploymentOf(options.chainId);
  const addresses = options.addresses ?? fromBindings?.addresses;
  if (addresses === undefined) {
    throw new Error(
      options.chainId === undefined
        ? "Give a chainId that has a deployment in the bindings, or explicit addresses."
        : `No MedConsent deployment for chain ${options.chainId} in the bindings; deploy there or pass addresses.`,
    );
  }
  const fromBlock = options.fromBlock ?? fromBindings?.fromBlock ?? 0n;
  const logRange = options.logRange ?? DEFAULT_LOG_RANGE;
  // Without a client of the caller's, Reader is the default ChainReader, which the library's own client is.
  const publicClient =
    options.publicClient ??
    (createChainReader(
      options.transport ?? http(options.rpcUrl ?? DEFAULT_RPC_URL, { batch: options.batch ?? false }),
      options.pollingInterval ?? 1_000,
    ) as Reader);
  const indexer: IndexerReader | undefined =
    options.indexerUrl === undefined
      ? undefined
      : createIndexerReader(options.indexerUrl, withTimeout(fetch, options.indexerTimeoutMs));
  const consentRegistry = { address: addresses.consentRegistry, abi: abis.ConsentRegistry } as const;
  const recordRegistry = { address: addresses.recordRegistry, abi: abis.RecordRegistry } as const;
  const providerRegistry = { address: addresses.providerRegistry, abi: abis.ProviderRegistry } as const;

  function accessArgs(query: AccessQuery) {
    return [
      query.patient,
      query.grantee,
      parseCategories(query.categories),
      parseActions(query.action),
      parsePurposes(query.purpose),
    ] as const;
  }

  /** `read` over [deployment block, latest] in windows of at most `logRange` blocks, results concatenated. */
  async function inBlockWindows<T>(read: (from: bigint, to: bigint) => Promise<readonly T[]>): Promise<T[]> {
    return (await scanToLatest(read)).items;
  }

  /** Like inBlockWindows, with the latest block the scan read up to. */
  async function scanToLatest<T>(read: (from: bigint, to: bigint) => Promise<readonly T[]>) {
    // Uncached: read right after a confirmed transaction, the history must include its block.
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    return { items: await readInBlockWindows(fromBlock, latest, logRange, read), latest };
  }

  /** eth_getLogs in windows of at most `logRange` blocks, filtered on indexed topics. */
  function getConsentGrantedLogs(args: { patient?: Address; grantee?: Address }) {
    return scanToLatest((from, to) =>
      publicClient.getContractEvents({
        ...consentRegistry,
        eventName: "ConsentGranted",
        args,
        fromBlock: from,
        toBlock: to,
      }),
    );
  }

  return {
    addresses,
    abis,
    publicClient,
    /** The indexer's reader, when the client was given `indexerUrl`. */
    indexer,
    inBlockWindows,

    /** Where the indexer stands against the chain's head; undefined without an indexer. */
    async indexerStatus(): Promise<IndexerStatus | undefined> {
      if (indexer === undefined) return undefined;
      const [indexedTo, head] = await Promise.all([indexer.status(), publicClient.getBlockNumber({ cacheTime: 0 })]);
      const behind = head > indexedTo.blockNumber ? Number(head - indexedTo.blockNumber) : 0;
      return { indexedTo, head, behind };
    },
    /** The name-or-number parsers the client applies to queries. */
    parse: { categories: parseCategories, actions: parseActions, purposes: parsePurposes },

    /** The latest block number, never cached: the block to read a decision at, so it can be logged with it. */
    async blockNumber(): Promise<bigint> {
      return publicClient.getBlockNumber({ cacheTime: 0 });
    },

    /** How many records `patient` has. */
    async recordCount(patient: Address): Promise<bigint> {
      return publicClient.readContract({ ...recordRegistry, functionName: "recordCount", args: [patient] });
    },

    /** The record `recordId` of `patient` as stored on chain, or undefined when the patient has no such record. */
    async getRecord(patient: Address, recordId: bigint): Promise<StoredRecord | undefined> {
      try {
        const [contentHash, category, author, createdAt, supersededBy] = await publicClient.readContract({
          ...recordRegistry,
          functionName: "getRecord",
          args: [patient, recordId],
        });
        return { contentHash, category, author, createdAt, supersededBy };
      } catch (error) {
        if (decodeRevert(error)?.errorName === "RecordNotFound") return undefined;
        throw error;
      }
    },

    /** Whether `grantee` may perform `action` on `categories` of `patient`'s data for `purpose` (now, or at a block). */
    async hasAccess(query: AccessQuery, at: AtBlock = {}): Promise<boolean> {
      return publicClient.readContract({
        ...consentRegistry,
        functionName: "hasAccess",
        args: accessArgs(query),
        blockNumber: at.blockNumber,
      });
    },

    /**
     * Whether `grantee` is an active provider whose live consent covers `categories` with every one of `actions`
     * (a mask), now or at a block.
     */
    async coversActions(
      query: Omit<AccessQuery, "action" | "purpose"> & { actions: number | string },
      at: AtBlock = {},
    ): Promise<boolean> {
      return publicClient.readContract({
        ...consentRegistry,
        functionName: "coversActions",
        args: [query.patient, query.grantee, parseCategories(query.categories), parseActions(query.actions)],
        blockNumber: at.blockNumber,
      });
    },

    /** The consent `patient` gave `grantee` as stored (zeroed when never given or revoked one by one). */
    async consentOf(patient: Address, grantee: Address) {
      return publicClient.readContract({ ...consentRegistry, functionName: "consentOf", args: [patient, grantee] });
    },

    /** Whether `provider` is registered and active (now, or at a block). */
    async isActiveProvider(provider: Address, at: AtBlock = {}): Promise<boolean> {
      return publicClient.readContract({
        ...providerRegistry,
        functionName: "isActiveProvider",
        args: [provider],
        blockNumber: at.blockNumber,
      });
    },

    /** Like `hasAccess`, with the reason in plain words when access is refused (now, or at a block). */
    async explainAccess(query: AccessQuery, at: AtBlock = {}): Promise<AccessExplanation> {
      const data = encodeFunctionData({
        abi: abis.ConsentRegistry,
        functionName: "checkAccess",
        args: accessArgs(query),
      });
      try {
        // A revert is the answer here, not a transient failure: no retries.
        await publicClient.request(
          {
            method: "eth_call",
            params: [
              { to: consentRegistry.address, data },
              at.blockNumber === undefined ? "latest" : toHex(at.blockNumber),
            ],
          },
          { retryCount: 0 },
        );
        return { allowed: true };
      } catch (error) {
        const revert = decodeRevert(error);
        if (revert === undefined) throw error;
        return { allowed: false, error: revert.errorName, reason: explainError(revert.errorName, revert.args) };
      }
    },

    /** Every consent a patient has given, or a provider has received, with its state now. */
    async listConsents(filter: { patient: Address } | { grantee: Address }): Promise<Listing<ConsentEntry>> {
      if (indexer !== undefined) {
        const { data, currentTo } = await indexer.consents(filter);
        const entries = data.map((consent) => {
          const state: ConsentState = consent.revoked
            ? "revoked"
            : liveConsentState(consent.expiresAt, currentTo.timestamp);
          const { revoked: _revoked, ...terms } = consent;
          return { ...terms, state, summary: summarizeConsent(consent) } satisfies ConsentEntry;
        });
        return listing(entries, currentTo);
      }
      const { items: logs, latest } = await getConsentGrantedLogs(filter);
      // The last grant of each (patient, grantee) pair; its terms describe a consent since revoked.
      const lastGrant = new Map<string, (typeof logs)[number]>();
      for (const log of logs) lastGrant.set(`${log.args.patient}:${log.args.grantee}`, log);
      const now = Number((await publicClient.getBlock({ blockNumber: latest })).timestamp);
      const epochs = new Map<string, Promise<number>>();
      const epochOf = (patient: Address) => {
        if (!epochs.has(patient)) {
          epochs.set(
            patient,
            publicClient.readContract({ ...consentRegistry, functionName: "epochOf", args: [patient] }).then(Number),
          );
        }
        return epochs.get(patient)!;
      };

      const entries = await Promise.all(
        [...lastGrant.values()].map(async (log): Promise<ConsentEntry> => {
          const patient = log.args.patient!;
          const grantee = log.args.grantee!;
          const [stored, epoch] = await Promise.all([
            publicClient.readContract({ ...consentRegistry, functionName: "consentOf", args: [patient, grantee] }),
            epochOf(patient),
          ]);
          const revoked = isRevoked(stored, epoch);
          const terms = revoked
            ? {
                categories: log.args.categories!,
                actions: log.args.actions!,
                purposes: log.args.purposes!,
                expiresAt: log.args.expiresAt!,
                grantedAt: Number((await publicClient.getBlock({ blockNumber: log.blockNumber })).timestamp),
              }
            : stored;
          const state = revoked ? "revoked" : liveConsentState(terms.expiresAt, now);
          return {
            patient,
            grantee,
            categories: terms.categories,
            actions: terms.actions,
            purposes: terms.purposes,
            expiresAt: terms.expiresAt,
            grantedAt: Number(terms.grantedAt),
            state,
            summary: summarizeConsent(terms),
          };
        }),
      );
      return listing(entries, { blockNumber: latest, timestamp: now });
    },

    /** A patient's record pointers, oldest first, with their URIs from the RecordAdded events. */
    async getRecords(patient: Address): Promise<Listing<RecordEntry>> {
      if (indexer !== undefined) {
        const { data, currentTo } = await indexer.records(patient);
        return listing(data, currentTo);
      }
      const count = await publicClient.readContract({
        ...recordRegistry,
        functionName: "recordCount",
        args: [patient],
      });
      const { items: logs, latest } = await scanToLatest((from, to) =>
        publicClient.getContractEvents({
          ...recordRegistry,
          eventName: "RecordAdded",
          args: { patient },
          fromBlock: from,
          toBlock: to,
        }),
      );
      const uris = new Map(logs.map((log) => [log.args.recordId!, log.args.uri!]));
      const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
      const records = await Promise.all(
        ids.map(async (id) => {
          const [contentHash, category, author, createdAt, supersededBy] = await publicClient.readContract({
            ...recordRegistry,
            functionName: "getRecord",
            args: [patient, id],
          });
          return { id, contentHash, category, author, createdAt, supersededBy, uri: uris.get(id) ?? "" };
        }),
      );
      return listing(records, { blockNumber: latest });
    },

    /**
     * Every event about `patient` (grants, revocations, revoke-all, delegates, emergency setting and uses, cancelled
     * signatures, records), oldest first, each with its block's timestamp. One eth_getLogs per `logRange` blocks over
     * both registries, filtered on the indexed patient topic.
     */
    async getPatientEvents(patient: Address): Promise<Listing<PatientEvent>> {
      if (indexer !== undefined) {
        const { data, currentTo } = await indexer.patientEvents(patient);
        const events = data.map(({ contract: _contract, ...event }) => event as PatientEvent);
        return listing(events, currentTo);
      }
      const topics = [null, pad(patient.toLowerCase() as Hex)] as [null, Hex];
      const { items: decoded, latest } = await scanToLatest(async (from, to) => {
        const raw = await publicClient.request({
          method: "eth_getLogs",
          params: [
            {
              address: [addresses.consentRegistry, addresses.recordRegistry],
              topics,
              fromBlock: toHex(from),
              toBlock: toHex(to),
            },
          ],
        });
        return decodePatientLogs(raw.map((log) => formatLog(log)));
      });
      decoded.sort((a, b) =>
        a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
      );
      const blocks = [...new Set(decoded.map((log) => log.blockNumber))];
      const timestamps = new Map(
        await Promise.all(
          blocks.map(
            async (blockNumber) =>
              [blockNumber, Number((await publicClient.getBlock({ blockNumber })).timestamp)] as const,
          ),
        ),
      );
      const events = decoded.map(
        (log) =>
          ({
            eventName: log.eventName,
            args: log.args,
            blockNumber: log.blockNumber,
            logIndex: log.logIndex,
            transactionHash: log.transactionHash,
            timestamp: timestamps.get(log.blockNumber) ?? 0,
          }) as PatientEvent,
      );
      return listing(events, { blockNumber: latest });
    },

    /**
     * The patients who ever named `delegate` (DelegateSet), in the order they first did, each with whether the delegate
     * may grant and revoke for them now (the contract's isDelegate): a guardian's "acting for" list.
     */
    async listDelegations(delegate: Address): Promise<Listing<Delegation>> {
      if (indexer !== undefined) {
        const { data, currentTo } = await indexer.delegations(delegate);
        return listing(data, currentTo);
      }
      const { items: logs, latest } = await scanToLatest((from, to) =>
        publicClient.getContractEvents({
          ...consentRegistry,
          eventName: "DelegateSet",
          args: { delegate },
          fromBlock: from,
          toBlock: to,
        }),
      );
      const patients = [...new Set(logs.map((log) => log.args.patient!))];
      const delegations = await Promise.all(
        patients.map(async (patient) => ({
          patient,
          delegate: getAddress(delegate),
          active: await publicClient.readContract({
            ...consentRegistry,
            functionName: "isDelegate",
            args: [patient, delegate],
            blockNumber: latest,
          }),
        })),
      );
      return listing(delegations, { blockNumber: latest });
    },

    /** Hashes a file (a path, in Node) or its bytes with SHA-256 and compares it with the record's on-chain hash. */
    async verifyRecordFile(patient: Address, recordId: bigint, file: string | Uint8Array): Promise<RecordVerification> {
      const bytes = typeof file === "string" ? await readLocalFile(file) : file;
      const fileHash = sha256(bytes);
      const [onChainHash] = await publicClient.readContract({
        ...recordRegistry,
        functionName: "getRecord",
        args: [patient, recordId],
      });
      return { matches: onChainHash === fileHash, onChainHash, fileHash };
    },

    /** The provider's public record from the registry. */
    async getProvider(provider: Address) {
      return publicClient.readContract({ ...providerRegistry, functionName: "getProvider", args: [provider] });
    },

    /** Calls `onEvent` for every new grant, revocation and revoke-all of a patient or a provider; returns unwatch. */
    watchConsents(
      filter: { patient?: Address; grantee?: Address },
      onEvent: (event: ConsentEvent) => void,
    ): () => void {
      const common = { ...consentRegistry, args: filter } as const;
      const meta = (log: { blockNumber: bigint | null; transactionHash: Hex | null }) => ({
        blockNumber: log.blockNumber ?? 0n,
        transactionHash: log.transactionHash ?? ("0x" as Hex),
      });
      const unwatchers = [
        publicClient.watchContractEvent({
          ...common,
          eventName: "ConsentGranted",
          onLogs: (logs) =>
            logs.forEach((l) =>
              onEvent({ type: "granted", patient: l.args.patient!, grantee: l.args.grantee!, ...meta(l) }),
            ),
        }),
        publicClient.watchContractEvent({
          ...common,
          eventName: "ConsentRevoked",
          onLogs: (logs) =>
            logs.forEach((l) =>
              onEvent({ type: "revoked", patient: l.args.patient!, grantee: l.args.grantee!, ...meta(l) }),
            ),
        }),
      ];
      if (filter.grantee === undefined) {
        unwatchers.push(
          publicClient.watchContractEvent({
            ...consentRegistry,
            eventName: "AllConsentsRevoked",
            args: { patient: filter.patient },
            onLogs: (logs) =>
              logs.forEach((l) => onEvent({ type: "revokedAll", patient: l.args.patient!, ...meta(l) })),
          }),
        );
      }
      return () => unwatchers.forEach((unwatch) => unwatch());
    },
  };
}

export type ConsentClient<Reader extends ChainReader = ChainReader> = ReturnType<typeof createConsentClient<Reader>>;

/** A stored consent is revoked when its slot was cleared or it predates the patient's last revoke-all. */
export function isRevoked(stored: { expiresAt: number; epoch: number }, currentEpoch: number): boolean {
  return stored.expiresAt === 0 || stored.epoch !== currentEpoch;
}

/** The state of a consent that was not revoked, at chain time `now`: live until `expiresAt` (exclusive). */
export function liveConsentState(expiresAt: number, now: number): Exclude<ConsentState, "revoked"> {
  if (now >= expiresAt) return "expired";
  return expiresAt - now <= EXPIRING_WITHIN ? "expiring" : "active";
}

/**
 * "may read lab results and medications for treatment until 24 Dec 2026"; with `owner` "your":
 * "may read your lab results and medications …", "may read all your routine data …".
 */
export function summarizeConsent(
  terms: { categories: bigint; actions: number; purposes: number; expiresAt: number },
  owner?: string,
) {
  const data =
    owner === undefined
      ? describeCategories(terms.categories)
      : terms.categories === ROUTINE_CATEGORIES
        ? `all ${owner} routine data`
        : `${owner} ${describeCategories(terms.categories)}`;
  return `may ${describeActions(terms.actions)} ${data} for ${describePurposes(terms.purposes)} until ${formatDate(terms.expiresAt)}`;
}

/** `fetchImpl` whose requests are aborted after `timeoutMs` (unchanged without one). */
function withTimeout(fetchImpl: typeof fetch, timeoutMs: number | undefined): typeof fetch {
  if (timeoutMs === undefined) return fetchImpl;
  return (input, init) => fetchImpl(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

async function readLocalFile(path: string): Promise<Uint8Array> {
  const { readFile } = await import("node:fs/promises");
  return new Uint8Array(await readFile(path));
}
