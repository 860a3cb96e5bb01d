// The gateway's configuration: one typed object read from the environment at first use, with errors that name the
// variable. Chain, RPC and contract addresses come from the portal's appConfig (the generated bindings).
import "server-only";
import { createHmac } from "node:crypto";
import path from "node:path";
import { getAddress, hexToBytes, isAddress, type Address, type Chain, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { appConfig } from "@/app/_lib/appConfig";
import type { MedConsentAddresses } from "@/lib/consentClient";
import { cookieNames, type CookieNames } from "./http/cookies";

/** Hardhat test account #19: the gateway's anchoring account on the local chain (31337) only (the seed grants it GATEWAY_ROLE). */
const LOCAL_GATEWAY_KEY: Hex = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";
/**
 * The emergency escrow's X25519 secret key on the local chain (31337) only: well known (it is in this file), like the
 * Hardhat keys, so the demo can break the glass. Any other chain needs GATEWAY_ESCROW_KEY, or has no emergency path.
 */
export const LOCAL_ESCROW_KEY: Hex = "0x16f0f00e4d95a4c491ed1a0db87166c8a9920caefbc9f261526c98a36cc47a2c";
/** Hardhat test account #9: the gas-free relay's account on the local chain (31337) only. */
const LOCAL_RELAYER_KEY: Hex = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";

/**
 * The relay's daily quotas (per UTC day). A small clinic network: a patient changes a few consents a day at most, so
 * 20 each leaves room for mistakes while bounding what one account (fresh wallets are free, but each needs its own
 * sign-in) can cost; 2,000 for everyone together covers a network of a few thousand patients; the gas budget pays for
 * those 2,000 at a little over the ~90,000 gas a first relayed grant measures (README, gas table). A household sets
 * up a few passkey accounts at most, so 3 per network address keeps one machine from taking the day's 200.
 */
export const RELAY_DEFAULTS = {
  perAccount: 20,
  total: 2_000,
  gasBudget: 200_000_000,
  deployments: 200,
  deploymentsPerIp: 3,
} as const;
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
  /** The cookies' names: with the `__Host-` prefix when Secure, so no subdomain or plain-http page can set them. */
  cookieNames: CookieNames;
  chain: Chain;
  chainId: number;
  rpcUrl: string;
  /**
   * The MedConsent indexer (indexer/, INDEXER_URL): the FHIR Consent and AuditEvent searches read their lists from it
   * instead of scanning logs. Never read for a decision: access is always the chain's hasAccess.
   */
  indexerUrl?: string;
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
  /**
   * The emergency escrow's X25519 secret key (GATEWAY_ESCROW_KEY); its public half is published on the KeyDirectory
   * under the anchoring account's address. Undefined off the local chain when unset: the emergency path answers 503.
   */
  escrowSecretKey?: Uint8Array;
  /** Sends the gas-free relay's transactions; undefined when RELAYER_PRIVATE_KEY is unset off the local chain. */
  relayerAccount?: PrivateKeyAccount;
  /**
   * The HMAC key the per-address deployment counts are stored under (relayQuota.ts), derived from the relayer's key:
   * it exists exactly when sponsored deployments do. Undefined with relayerAccount.
   */
  deploymentClientKey?: Uint8Array;
  relayQuota: RelayQuota;
}

export interface RelayQuota {
  /** Relayed transactions per patient account per UTC day. */
  perAccount: number;
  /** Relayed transactions for all accounts together per UTC day. */
  total: number;
  /** Gas units (the estimate each transaction is sent with) for all relays together per UTC day. */
  gasBudget: number;
  /**
   * Sponsored passkey-account deployments for everyone together per UTC day (RELAY_DAILY_DEPLOYMENTS). Each is also
   * one of `total` and counts its gas against `gasBudget`; this cap keeps a flood of fresh passkeys (free to make)
   * from spending the whole day's relay on deployments, so existing patients' grants and revocations still go through.
   */
  deployments: number;
  /**
   * Sponsored deployments asked for from one client network address (the rate limiter's, clientIpOf) per UTC day
   * (RELAY_DAILY_DEPLOYMENTS_PER_IP): without it, one machine generating passkeys could take all of `deployments`
   * and hold up every newcomer until midnight UTC.
   */
  deploymentsPerIp: number;
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

function readOrigin(env: Env): { origin: string; domain: string; secureCookies: boolean; cookieNames: CookieNames } {
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
  return { origin: url.origin, domain: url.host, secureCookies: !local, cookieNames: cookieNames(!local) };
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

/** A private key from `name`, or on the local chain only the given Hardhat test key; undefined when neither. */
function readPrivateKey(env: Env, name: string, localKey: Hex, isLocalChain: boolean): Hex | undefined {
  const key = env[name]?.trim() || (isLocalChain ? localKey : undefined);
  if (key === undefined) return undefined;
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new GatewayConfigError(`${name} is not a 32-byte hex key.`);
  return hex as Hex;
}

/** The account of the private key from `name` (readPrivateKey); undefined when there is none. */
export function readAccount(
  env: Env,
  name: string,
  localKey: Hex,
  isLocalChain: boolean,
): PrivateKeyAccount | undefined {
  const key = readPrivateKey(env, name, localKey, isLocalChain);
  return key === undefined ? undefined : privateKeyToAccount(key);
}

/**
 * A key of its own for hashing client addresses, derived from the relayer's: an HMAC label keeps the relayer's key
 * itself out of any other use, and a new relayer key only starts the day's per-address counts afresh.
 */
const deploymentClientKeyOf = (relayerKey: Hex) =>
  new Uint8Array(createHmac("sha256", hexToBytes(relayerKey)).update("MedConsent deployment client key").digest());

function readEscrowKey(
  env: Env,
  isLocalChain: boolean,
  anchorAccount: PrivateKeyAccount | undefined,
): Uint8Array | undefined {
  const key = env.GATEWAY_ESCROW_KEY?.trim() || (isLocalChain ? LOCAL_ESCROW_KEY : undefined);
  if (key === undefined) return undefined;
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new GatewayConfigError("GATEWAY_ESCROW_KEY is not a 32-byte hex key.");
  if (anchorAccount === undefined) {
    throw new GatewayConfigError(
      "GATEWAY_ESCROW_KEY needs GATEWAY_PRIVATE_KEY: the escrow's public key is published under that account's address.",
    );
  }
  return hexToBytes(hex as Hex);
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
  const indexerUrl = env.INDEXER_URL?.trim().replace(/\/+$/, "") || undefined;
  if (indexerUrl !== undefined && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(indexerUrl)) {
    throw new GatewayConfigError(
      `INDEXER_URL must be the indexer's http(s) URL (e.g. http://127.0.0.1:42069), not "${indexerUrl.slice(0, 80)}".`,
    );
  }
  // turbopackIgnore: a folder chosen at run time, not a source file the build should trace.
  const dataDir = path.resolve(/*turbopackIgnore: true*/ env.GATEWAY_DATA_DIR?.trim() || path.join(".data", "gateway"));
  const anchorAccount = readAccount(env, "GATEWAY_PRIVATE_KEY", LOCAL_GATEWAY_KEY, appConfig.isLocalChain);
  const anchorIntervalSeconds = wholeNumber(env, "ANCHOR_INTERVAL_SECONDS", 60, 0);
  const relayerKey = readPrivateKey(env, "RELAYER_PRIVATE_KEY", LOCAL_RELAYER_KEY, appConfig.isLocalChain);
  return {
    ...readOrigin(env),
    chain: appConfig.chain,
    chainId: appConfig.chain.id,
    rpcUrl,
    indexerUrl,
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
    escrowSecretKey: readEscrowKey(env, appConfig.isLocalChain, anchorAccount),
    relayerAccount: relayerKey === undefined ? undefined : privateKeyToAccount(relayerKey),
    deploymentClientKey: relayerKey === undefined ? undefined : deploymentClientKeyOf(relayerKey),
    relayQuota: {
      perAccount: wholeNumber(env, "RELAY_DAILY_PER_ACCOUNT", RELAY_DEFAULTS.perAccount, 0),
      total: wholeNumber(env, "RELAY_DAILY_TOTAL", RELAY_DEFAULTS.total, 0),
      gasBudget: wholeNumber(env, "RELAY_DAILY_GAS_BUDGET", RELAY_DEFAULTS.gasBudget, 0),
      deployments: wholeNumber(env, "RELAY_DAILY_DEPLOYMENTS", RELAY_DEFAULTS.deployments, 0),
      deploymentsPerIp: wholeNumber(env, "RELAY_DAILY_DEPLOYMENTS_PER_IP", RELAY_DEFAULTS.deploymentsPerIp, 0),
    },
  };
}
