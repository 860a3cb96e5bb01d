// The gateway's long-lived parts, created once per server process on first use and kept on globalThis, so a dev-mode
// hot reload reuses them (PGlite must not open its data folder twice).
import "server-only";
import path from "node:path";
import { createPublicClient, createWalletClient, http, type PublicClient, type WalletClient } from "viem";
import { openBlobStore, type BlobStore } from "./storage/blobStore";
import { createConsentClient, deploymentOf, type ConsentClient } from "@/lib/consentClient";
import { createChainReads, type ChainReads } from "./chain/chainReads";
import { readGatewayConfig, type GatewayConfig } from "./config";
import { openDb, type Db } from "./storage/db";
import { reconcileAtStart } from "./chain/disclosureAnchor";
import { migrate } from "./storage/migrations";
import { createRateLimiter, type RateLimiter } from "./http/rateLimit";

export interface Gateway {
  config: GatewayConfig;
  db: Db;
  blobs: BlobStore;
  /**
   * The gateway's one chain reader (the client library), on a viem client with a short timeout and no retries, so a
   * slow node means 503, not a hung request.
   */
  consentClient: ConsentClient<PublicClient>;
  /** The gateway's policy over those reads: fail closed, refusals in words, record metadata cached. */
  chain: ChainReads;
  /** Sends DisclosureLog.anchor; undefined without an anchoring account. */
  walletClient?: WalletClient;
  /** Sends the gas-free relay's transactions (RELAYER_PRIVATE_KEY); undefined when the relay is not set up. */
  relayerClient?: WalletClient;
  /** Per IP and per session on the record, blob, disclosure and relay routes (and a signed-in session's reads). */
  limiter: RateLimiter;
  /** Per IP on /api/auth/* (sign-in). */
  authLimiter: RateLimiter;
  /** All clients together on nonce issuance: a ceiling no spoofed address can get around. */
  authCeiling: RateLimiter;
}

const RATE_WINDOW_MS = 60_000;
/** The sign-in ceiling for all clients together, in multiples of the per-IP limit. */
export const AUTH_CEILING_FACTOR = 20;

async function createGateway(): Promise<Gateway> {
  const config = readGatewayConfig();
  const db = await openDb(config);
  await migrate(db);
  const consentClient = createConsentClient({
    publicClient: createPublicClient({
      chain: config.chain,
      transport: http(config.rpcUrl, { timeout: config.rpcTimeoutMs, retryCount: 0 }),
    }) as PublicClient,
    addresses: config.addresses,
    fromBlock: deploymentOf(config.chainId)?.fromBlock ?? 0n,
    // Lists and histories only (FHIR searches); every decision stays a chain read (chainReads.ts).
    indexerUrl: config.indexerUrl,
    indexerTimeoutMs: config.rpcTimeoutMs,
  });
  const walletFor = (account: GatewayConfig["anchorAccount"]) =>
    account === undefined
      ? undefined
      : createWalletClient({ account, chain: config.chain, transport: http(config.rpcUrl) });
  const gateway: Gateway = {
    config,
    db,
    blobs: openBlobStore(
      config.blobStore,
      config.blobCacheBytes,
      path.join(/*turbopackIgnore: true*/ config.dataDir, "uploads"),
    ),
    consentClient,
    chain: createChainReads(consentClient),
    walletClient: walletFor(config.anchorAccount),
    relayerClient: walletFor(config.relayerAccount),
    limiter: createRateLimiter(db, "api", config.rateLimit, RATE_WINDOW_MS),
    authLimiter: createRateLimiter(db, "auth", config.authRateLimit, RATE_WINDOW_MS),
    authCeiling: createRateLimiter(db, "auth-all", config.authRateLimit * AUTH_CEILING_FACTOR, RATE_WINDOW_MS),
  };
  await reconcileAtStart(gateway);
  return gateway;
}

const store = globalThis as typeof globalThis & { __medconsentGateway?: Promise<Gateway> };

/** The process's gateway, created (config validated, database migrated) on the first call. */
export function getGateway(): Promise<Gateway> {
  if (store.__medconsentGateway === undefined) {
    const created = createGateway();
    store.__medconsentGateway = created;
    // A failed start (bad configuration, database down) is retried on the next request, not cached forever.
    created.catch(() => {
      if (store.__medconsentGateway === created) store.__medconsentGateway = undefined;
    });
  }
  return store.__medconsentGateway;
}
