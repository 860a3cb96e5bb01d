// The portal's one client library instance: lists and histories from the indexer when one is configured, falling back
// to the chain's logs for a read the indexer does not answer; every chain read batched into few HTTP requests.
import { http } from "viem";
import { appConfig } from "@/app/_lib/appConfig";
import { createConsentClient, type ConsentClient, type Listing } from "@/lib/consentClient";
import { IndexerError } from "@/lib/indexer/indexerReader";

/**
 * Chain reads started within this many milliseconds of each other go out as one JSON-RPC batch: a dashboard's
 * sections mount in one commit, but their reads start over a few ticks (names after the consents, say).
 */
const BATCH_WAIT_MS = 16;

/** How long a list waits for the indexer before it is read from the chain's logs instead. */
const INDEXER_TIMEOUT_MS = 5_000;

/**
 * Where a list came from: the indexer; the chain's logs (no indexer configured); or the chain's logs because the
 * indexer did not answer this read.
 */
export type ListSource = { kind: "indexer" } | { kind: "logScan" } | { kind: "fallback"; reason: string };

/** A list the portal shows, with the block it is current to and where it came from. */
export type PortalListing<T> = Listing<T> & { source: ListSource };

function createPortalClients() {
  const common = {
    addresses: appConfig.addresses,
    fromBlock: appConfig.fromBlock,
    transport: http(appConfig.rpcUrl, { batch: { wait: BATCH_WAIT_MS } }),
  };
  // One transport for both: the log scan's reads join the same batches.
  const scan = createConsentClient(common);
  const indexed =
    appConfig.indexerUrl === undefined
      ? undefined
      : createConsentClient({
          ...common,
          publicClient: scan.publicClient,
          indexerUrl: appConfig.indexerUrl,
          // A hanging indexer falls back to the log scan instead of holding the list.
          indexerTimeoutMs: INDEXER_TIMEOUT_MS,
        });
  return { scan, indexed };
}

const clients = createPortalClients();

/**
 * `read` through the indexer, or, when the indexer does not answer (down, not ready, refusing the query), the same
 * read through the log scan: slower on an old chain, but the patient still sees her data, with a notice saying why.
 */
async function readThrough<T>(read: (client: ConsentClient) => Promise<T>): Promise<{ value: T; source: ListSource }> {
  if (clients.indexed === undefined) return { value: await read(clients.scan), source: { kind: "logScan" } };
  try {
    return { value: await read(clients.indexed), source: { kind: "indexer" } };
  } catch (error) {
    if (!(error instanceof IndexerError)) throw error;
    return { value: await read(clients.scan), source: { kind: "fallback", reason: error.message } };
  }
}

/** A list, through the indexer or the log scan (readThrough), saying which. */
async function withFallback<T>(read: (client: ConsentClient) => Promise<Listing<T>>): Promise<PortalListing<T>> {
  const { value, source } = await readThrough(read);
  return Object.assign(value, { source });
}

/** Any read of a library function that takes a client (such as listProviders), through readThrough. */
export async function readWithFallback<T>(read: (client: ConsentClient) => Promise<T>): Promise<T> {
  return (await readThrough(read)).value;
}

/** The client every component uses: the library's, with its lists and histories read through `withFallback`. */
export const portalClient = {
  ...(clients.indexed ?? clients.scan),
  listConsents: (filter: Parameters<ConsentClient["listConsents"]>[0]) =>
    withFallback((client) => client.listConsents(filter)),
  getRecords: (patient: Parameters<ConsentClient["getRecords"]>[0]) =>
    withFallback((client) => client.getRecords(patient)),
  getPatientEvents: (patient: Parameters<ConsentClient["getPatientEvents"]>[0]) =>
    withFallback((client) => client.getPatientEvents(patient)),
  listDelegations: (delegate: Parameters<ConsentClient["listDelegations"]>[0]) =>
    withFallback((client) => client.listDelegations(delegate)),
} satisfies ConsentClient;

export type PortalClient = typeof portalClient;

export const hasIndexer = clients.indexed !== undefined;

// The newest block of a transaction this tab confirmed: lists current to an older block are not yet current.
let confirmedBlock = 0n;
const confirmedListeners = new Set<() => void>();

export const confirmedBlockStore = {
  subscribe(listener: () => void) {
    confirmedListeners.add(listener);
    return () => void confirmedListeners.delete(listener);
  },
  get: () => confirmedBlock,
};

const INDEXER_WAIT_MS = 10_000;
const INDEXER_POLL_MS = 100;

/**
 * After a transaction this tab sent: resolves once the indexer has processed `blockNumber`, so lists read next show
 * it. Gives up after a while, or at once if the indexer does not answer (the lists then say they are updating, or
 * come from the chain); never throws.
 */
export async function waitForIndexedBlock(blockNumber: bigint): Promise<void> {
  if (blockNumber > confirmedBlock) {
    confirmedBlock = blockNumber;
    confirmedListeners.forEach((listener) => listener());
  }
  const indexer = clients.indexed?.indexer;
  if (indexer === undefined) return;
  const deadline = Date.now() + INDEXER_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await indexer.status()).blockNumber >= blockNumber) return;
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, INDEXER_POLL_MS));
  }
}
