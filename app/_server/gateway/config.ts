// The gateway's configuration: one typed object read from the environment at first use, with errors that name the
// variable. Chain, RPC and contract addresses come from the portal's appConfig (the generated bindings).
import path from "node:path";
import type { Chain, Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { appConfig } from "../../_lib/appConfig";
import type { MedConsentAddresses } from "../../_lib/consentClient";

/** Hardhat test account #19: the gateway's anchoring account on the local chain (31337) only (the seed grants it GATEWAY_ROLE). */
const LOCAL_GATEWAY_KEY: Hex = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";

export type BlobStoreConfig =
  { kind: "folder"; dir: string } | { kind: "s3"; bucket: string; prefix: string; endpoint?: string; region: string };

export interface GatewayConfig {
  /** The portal's public origin, e.g. "https://portal.example.org"; SIWE messages must name it. */
  origin: string;
  /** The SIWE domain: the origin's host (with port). */
  domain: string;
  /** Cookies carry Secure except on http://localhost and http://127.0.0.1. */
  secureCookies: boolean;
  chain: Chain;
  chainId: number;
  rpcUrl: string;
  addresses: MedConsentAddresses;
  dataDir: string;
  /** postgres://… → a pg Pool; otherwise PGlite in `<dataDir>/pglite`. */
  databaseUrl?: string;
  blobStore: BlobStoreConfig;
  maxBlobBytes: number;
  /** Bytes of ciphertext one patient's account may hold in all. */
  accountQuotaBytes: number;
  /** Bytes one patient's account may hold that no RecordAdded references yet (fresh wallets are free). */
  pendingQuotaBytes: number;
  /** The same for all accounts together: a ceiling no number of fresh wallets can get around. */
  pendingTotalBytes: number;
  /** A blob that no RecordAdded references this long after its upload is deleted. */
  unreferencedBlobTtlSeconds: number;
  /** How often the unreferenced blobs are swept; 0: never. */
  blobSweepIntervalSeconds: number;
  /** Requests per minute per IP and per session. */
  rateLimit: number;
  /** Requests per minute per IP on /api/auth/*. */
  authRateLimit: number;
  /**
   * Reverse proxies in front of this server that append the client's address to X-Forwarded-For. 0: none, so a
   * client-sent X-Forwarded-For could name any address; the global sign-in ceiling still bounds such clients.
   */
  trustedProxyHops: number;
  /** Signs DisclosureLog.anchor; undefined when GATEWAY_PRIVATE_KEY is unset off the local chain. */
  anchorAccount?: PrivateKeyAccount;
  /** 0: no timer, anchoring on demand only. */
  anchorIntervalSeconds: number;
  /** Memory for recently served encrypted files (immutable, named by hash); 0 turns the cache off. */
  blobCacheBytes: number;
  /** How long one JSON-RPC call may take before the gateway answers 503 chain_unavailable. */
  rpcTimeoutMs: number;
}

export class GatewayConfigError extends Error {
  constructor(message: string) {
    super(`MedConsent gateway configuration: ${message}`);
    this.name = "GatewayConfigError";
  }
}

type Env = Record<string, string | undefined>;

function wholeNumber(env: Env, name: string, fallback: number, min: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new GatewayConfigError(`${name} must be a whole number of at least ${min}, not "${text}".`);
  }
  return Number(text);
}

function readOrigin(env: Env): { origin: string; domain: string; secureCookies: boolean } {
  const text = env.GATEWAY_ORIGIN?.trim() || "http://localhost:3000";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GatewayConfigError(`GATEWAY_ORIGIN must be an origin such as https://portal.example.org, not "${text}".`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== text.replace(/\/$/, "")) {
    throw new GatewayConfigError(
      `GATEWAY_ORIGIN must be a bare http(s) origin (scheme, host, optional port; no path), not "${text}".`,
    );
  }
  const local = url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1");
  return { origin: url.origin, domain: url.host, secureCookies: !local };
}

function readBlobStore(env: Env, dataDir: string): BlobStoreConfig {
  const text = env.BLOB_STORE?.trim();
  if (text === undefined || text === "")
    return { kind: "folder", dir: path.join(/*turbopackIgnore: true*/ dataDir, "blobs") };
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (s3 !== null) {
    const endpoint = env.S3_ENDPOINT?.trim() || undefined;
    if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) {
      throw new GatewayConfigError(`S3_ENDPOINT must be an http(s) URL, not "${endpoint}".`);
    }
    const prefix = (s3[2] ?? "").replace(/^\/+|\/+$/g, "");
    return {
      kind: "s3",
      bucket: s3[1],
      prefix: prefix === "" ? "" : `${prefix}/`,
      endpoint,
      region: env.AWS_REGION?.trim() || "us-east-1",
    };
  }
  if (text.includes("://")) {
    throw new GatewayConfigError(`BLOB_STORE must be s3://<bucket>[/prefix] or a folder path, not "${text}".`);
  }
  return { kind: "folder", dir: path.resolve(/*turbopackIgnore: true*/ text) };
}

function readAnchorAccount(env: Env, isLocalChain: boolean): PrivateKeyAccount | undefined {
  const key = env.GATEWAY_PRIVATE_KEY?.trim() || (isLocalChain ? LOCAL_GATEWAY_KEY : undefined);
  if (key === undefined) return undefined;
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new GatewayConfigError("GATEWAY_PRIVATE_KEY is not a 32-byte hex key.");
  return privateKeyToAccount(hex as Hex);
}

/** Reads and validates the gateway's configuration; throws GatewayConfigError naming the faulty variable. */
export function readGatewayConfig(env: Env = process.env): GatewayConfig {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new GatewayConfigError(`DATABASE_URL must be a postgres:// connection string.`);
  }
  const rpcUrl = env.GATEWAY_RPC_URL?.trim() || appConfig.rpcUrl;
  if (!/^https?:\/\//.test(rpcUrl)) throw new GatewayConfigError(`GATEWAY_RPC_URL must be an http(s) URL.`);
  // turbopackIgnore: a folder chosen at run time, not a source file the build should trace.
  const dataDir = path.resolve(/*turbopackIgnore: true*/ env.GATEWAY_DATA_DIR?.trim() || path.join(".data", "gateway"));
  return {
    ...readOrigin(env),
    chain: appConfig.chain,
    chainId: appConfig.chain.id,
    rpcUrl,
    addresses: appConfig.addresses,
    dataDir,
    databaseUrl,
    blobStore: readBlobStore(env, dataDir),
    maxBlobBytes: wholeNumber(env, "GATEWAY_MAX_BLOB_BYTES", 26_214_400, 1),
    accountQuotaBytes: wholeNumber(env, "GATEWAY_ACCOUNT_QUOTA_BYTES", 1024 * 1024 * 1024, 1),
    pendingQuotaBytes: wholeNumber(env, "GATEWAY_PENDING_QUOTA_BYTES", 100 * 1024 * 1024, 1),
    pendingTotalBytes: wholeNumber(env, "GATEWAY_PENDING_TOTAL_BYTES", 2 * 1024 * 1024 * 1024, 1),
    unreferencedBlobTtlSeconds: wholeNumber(env, "GATEWAY_UNREFERENCED_BLOB_TTL_SECONDS", 86_400, 1),
    blobSweepIntervalSeconds: wholeNumber(env, "GATEWAY_BLOB_SWEEP_INTERVAL_SECONDS", 900, 0),
    rateLimit: wholeNumber(env, "GATEWAY_RATE_LIMIT", 600, 1),
    authRateLimit: wholeNumber(env, "GATEWAY_AUTH_RATE_LIMIT", 30, 1),
    trustedProxyHops: wholeNumber(env, "GATEWAY_TRUSTED_PROXY_HOPS", 0, 0),
    anchorAccount: readAnchorAccount(env, appConfig.isLocalChain),
    anchorIntervalSeconds: wholeNumber(env, "ANCHOR_INTERVAL_SECONDS", 60, 0),
    blobCacheBytes: wholeNumber(env, "GATEWAY_BLOB_CACHE_BYTES", 64 * 1024 * 1024, 0),
    rpcTimeoutMs: wholeNumber(env, "GATEWAY_RPC_TIMEOUT_MS", 5_000, 100),
  };
}
