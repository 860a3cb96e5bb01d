// The gateway's configuration: one typed object read from the environment at first use, with errors that name the
// variable. Chain, RPC and contract addresses come from the portal's appConfig (the generated bindings).
import path from "node:path";
import { getAddress, isAddress, type Address, type Chain, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { appConfig } from "../../_lib/appConfig";
import type { MedConsentAddresses } from "../../_lib/consentClient";

/** Hardhat test account #19: the gateway's anchoring account on the local chain (31337) only (the seed grants it GATEWAY_ROLE). */
const LOCAL_GATEWAY_KEY: Hex = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";
/** Hardhat test account #0, the local chain's deployer: an operator on the local chain only. */
const LOCAL_DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/** The on-demand anchoring interval when the timer is off (ANCHOR_INTERVAL_SECONDS=0). */
const DEFAULT_ON_DEMAND_ANCHOR_SECONDS = 60;
/**
 * Off the local chain, a refused read deletes keys only once the refusal holds 12 blocks back: about 2.5 minutes on
 * Ethereum, past the reorgs seen in practice and the lag of a node behind a load balancer. Deleting later costs
 * nothing (every read is still refused at the latest block); deleting on a stale view loses a key for good.
 */
const DEFAULT_KEY_DELETION_CONFIRMATIONS = 12;

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
  /** On-demand anchoring sends at most one transaction per this many seconds, whoever asks (operators may force). */
  onDemandAnchorSeconds: number;
  /** Accounts that may force an anchor (GATEWAY_OPERATORS; by default the anchoring account, and the deployer locally). */
  operators: readonly Address[];
  /** Blocks a refusal must hold for before a reader's wrapped keys are deleted (0: at the decision block itself). */
  keyDeletionConfirmations: number;
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

function readOperators(env: Env, anchorAccount: PrivateKeyAccount | undefined, isLocalChain: boolean): Address[] {
  const text = env.GATEWAY_OPERATORS?.trim();
  if (text === undefined || text === "") {
    return [...(anchorAccount === undefined ? [] : [anchorAccount.address]), ...(isLocalChain ? [LOCAL_DEPLOYER] : [])];
  }
  return text.split(",").map((entry) => {
    const address = entry.trim();
    if (!/^0x[0-9a-fA-F]{40}$/.test(address) || !isAddress(address)) {
      throw new GatewayConfigError(
        `GATEWAY_OPERATORS must be a comma-separated list of 0x addresses, and "${address.slice(0, 50)}" is not one.`,
      );
    }
    return getAddress(address);
  });
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
  const anchorAccount = readAnchorAccount(env, appConfig.isLocalChain);
  const anchorIntervalSeconds = wholeNumber(env, "ANCHOR_INTERVAL_SECONDS", 60, 0);
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
    rateLimit: wholeNumber(env, "GATEWAY_RATE_LIMIT", 600, 1),
    authRateLimit: wholeNumber(env, "GATEWAY_AUTH_RATE_LIMIT", 30, 1),
    trustedProxyHops: wholeNumber(env, "GATEWAY_TRUSTED_PROXY_HOPS", 0, 0),
    anchorAccount,
    anchorIntervalSeconds,
    onDemandAnchorSeconds: anchorIntervalSeconds > 0 ? anchorIntervalSeconds : DEFAULT_ON_DEMAND_ANCHOR_SECONDS,
    operators: readOperators(env, anchorAccount, appConfig.isLocalChain),
    keyDeletionConfirmations: wholeNumber(
      env,
      "GATEWAY_KEY_DELETION_CONFIRMATIONS",
      appConfig.isLocalChain ? 0 : DEFAULT_KEY_DELETION_CONFIRMATIONS,
      0,
    ),
    blobCacheBytes: wholeNumber(env, "GATEWAY_BLOB_CACHE_BYTES", 64 * 1024 * 1024, 0),
    rpcTimeoutMs: wholeNumber(env, "GATEWAY_RPC_TIMEOUT_MS", 5_000, 100),
  };
}
