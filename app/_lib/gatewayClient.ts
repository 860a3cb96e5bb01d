// The browser's client of the records gateway (app/api/): one typed function per route, and every refusal as a
// GatewayError that carries the gateway's own plain-words message. No React; the URL builders and the error parsing
// are pure, so they are unit-tested without a server.
import { isAddress, type Address, type Hex } from "viem";
import type { RelayBody } from "@/lib/consentSignatures";
import type { ExecuteRelayBody } from "@/lib/passkey/executeRelay";
import { CLIENT_HEADER } from "@/lib/gatewayHeaders";
import { describeFailure } from "./txErrors";
import { fromBase64Url, toBase64Url } from "@/lib/vault/encoding";
import { VaultError } from "@/lib/vault/errors";
import type { SealedKeyCopy } from "@/lib/vault/keyCopy";

/** A refusal or failure of the gateway: HTTP status, machine code, plain-words message, and the chain's reason. */
export class GatewayError extends Error {
  readonly status: number;
  /** The gateway's error code, e.g. "not_signed_in", "forbidden", "AccessNoConsent", "key_not_found". */
  readonly code: string;
  /** On a 403 decided by the chain: the custom error name, e.g. "ConsentExpired". */
  readonly reason?: string;
  readonly requestId?: string;
  /** Seconds to wait after a 429. */
  readonly retryAfter?: number;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    reason?: string;
    requestId?: string;
    retryAfter?: number;
  }) {
    super(init.message);
    this.name = "GatewayError";
    this.status = init.status;
    this.code = init.code;
    this.reason = init.reason;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
  }

  /** The gateway does not know this browser's session (never signed in, expired, or signed out). */
  get needsSignIn(): boolean {
    return this.status === 401;
  }
}

/** What the gateway says when its body has no message of its own (a proxy's error page, a network failure). */
const FALLBACK_MESSAGES: Record<number, string> = {
  400: "The gateway could not understand the request.",
  401: "Sign in to the gateway first.",
  403: "The gateway refused: you are not allowed to do this.",
  404: "The gateway has nothing stored under this name.",
  413: "The file is larger than the gateway accepts.",
  429: "Too many requests to the gateway: wait a moment and try again.",
  503: "The gateway cannot reach the chain right now, so it shares nothing. Try again shortly.",
};

const FALLBACK_CODES: Record<number, string> = {
  400: "bad_request",
  401: "not_signed_in",
  403: "forbidden",
  404: "not_found",
  413: "too_large",
  429: "rate_limited",
  503: "chain_unavailable",
};

interface ErrorHeaders {
  get(name: string): string | null;
}

/** The GatewayError for a non-2xx response, from its JSON body `{ error, message, reason? }` when it has one. */
export function parseGatewayError(status: number, bodyText: string, headers?: ErrorHeaders): GatewayError {
  let body: { error?: unknown; message?: unknown; reason?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (parsed !== null && typeof parsed === "object") body = parsed as typeof body;
  } catch {
    // Not JSON (a proxy's page, an empty body): the fallbacks below speak for the gateway.
  }
  const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value : undefined);
  const retryAfter = Number(headers?.get("retry-after") ?? Number.NaN);
  return new GatewayError({
    status,
    code: text(body.error) ?? FALLBACK_CODES[status] ?? (status >= 500 ? "server_error" : "error"),
    message:
      text(body.message) ?? FALLBACK_MESSAGES[status] ?? `The gateway answered with an unexpected status (${status}).`,
    reason: text(body.reason),
    requestId: headers?.get("x-request-id") ?? undefined,
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined,
  });
}

/**
 * Sent with every request: the gateway serves a record only with it, so a link or an image on another site cannot
 * make this browser read (and log) a record; a cross-site script cannot add it without a CORS preflight.
 */

function checkAddress(value: string, what: string): Address {
  if (!isAddress(value, { strict: false })) throw new Error(`Not an account address: the ${what}.`);
  return value;
}

function checkRecordId(recordId: bigint): string {
  if (recordId < 1n || recordId > 2n ** 64n) throw new Error("A record id is a whole number from 1.");
  return recordId.toString();
}

/** The gateway's routes, relative to the portal's origin. Every path segment is validated before it is used. */
export const gatewayPaths = {
  nonce: () => "/api/auth/nonce",
  verify: () => "/api/auth/verify",
  session: () => "/api/auth/session",
  logout: () => "/api/auth/logout",
  blob(cid: string, query: { patient: Address; category: number; purpose?: string }) {
    if (!/^[a-z2-7]+$/.test(cid)) throw new Error("Not a record content identifier (CID).");
    if (!Number.isInteger(query.category) || query.category < 0 || query.category > 63)
      throw new Error("A category is a number from 0 to 63.");
    const search = new URLSearchParams({
      patient: checkAddress(query.patient, "patient"),
      category: String(query.category),
    });
    if (query.purpose) search.set("purpose", query.purpose);
    return `/api/blobs/${cid}?${search}`;
  },
  record(patient: Address, recordId: bigint, purpose?: string) {
    const path = `/api/records/${checkAddress(patient, "patient")}/${checkRecordId(recordId)}`;
    return purpose ? `${path}?${new URLSearchParams({ purpose })}` : path;
  },
  ownKeys: (patient: Address) => `/api/records/${checkAddress(patient, "patient")}/keys`,
  recordKey: (patient: Address, recordId: bigint, recipient: Address) =>
    `/api/records/${checkAddress(patient, "patient")}/${checkRecordId(recordId)}/keys/${checkAddress(recipient, "recipient")}`,
  disclosures: (patient: Address) =>
    `/api/disclosures?${new URLSearchParams({ patient: checkAddress(patient, "patient") })}`,
  anchor: () => "/api/disclosures/anchor",
  escrowRecipient: () => "/api/emergency/escrow",
  escrowCopies: (patient: Address) => `/api/emergency/escrow/${checkAddress(patient, "patient")}`,
  escrowCopy: (patient: Address, recordId: bigint) =>
    `/api/emergency/escrow/${checkAddress(patient, "patient")}/${checkRecordId(recordId)}`,
  relay: () => "/api/relay",
  accounts: () => "/api/accounts",
  accountOfCredential: (credentialId: string) => {
    if (!/^[A-Za-z0-9_-]{16,1364}$/.test(credentialId)) throw new Error("Not a passkey credential id.");
    return `/api/accounts?${new URLSearchParams({ credentialId })}`;
  },
  accountExecute: (account: Address) => `/api/accounts/${checkAddress(account, "account")}/execute`,
  keyCopy: (account: Address, credentialId: string) => {
    if (!/^[A-Za-z0-9_-]{16,1364}$/.test(credentialId)) throw new Error("Not a passkey credential id.");
    return `/api/accounts/${checkAddress(account, "account")}/key-copies/${credentialId}`;
  },
};

/** A passkey account the gateway deployed: its address and its first passkey's public key. */
export interface PasskeyAccountInfo {
  account: Address;
  x: Hex;
  y: Hex;
}

export interface GatewaySession {
  address: Address;
  chainId: number;
  /** ISO time. */
  expiresAt: string;
}

export interface StoredBlob {
  cid: string;
  contentHash: Hex;
  size: number;
}

/** A record as the gateway serves it: the ciphertext, the caller's wrapped key, and the chain's metadata. */
export interface ServedRecord {
  ciphertext: Uint8Array<ArrayBuffer>;
  wrappedKey: Uint8Array<ArrayBuffer>;
  contentHash: Hex;
  category: number;
  author: Address;
  /** This read's id in the disclosure log (X-Disclosure-Id); its sequence number is given when it is anchored. */
  disclosureId: bigint;
  requestId: string;
}

export interface DisclosureAnchor {
  root: Hex;
  proof: Hex[];
  fromSeq: string | number;
  toSeq: string | number;
  txHash: Hex;
}

/** One read the gateway served, as `GET /api/disclosures` lists it (numbers may arrive as strings). */
export interface Disclosure {
  /** The read's id, given when it was served. */
  id: string | number;
  /** Its sequence number in the log, given when its batch is planned; null until then. */
  seq: string | number | null;
  /** The block whose chain state the access decision was read at (null for reads logged before it was recorded). */
  decisionBlock: string | number | null;
  reader: Address;
  patient: Address;
  recordId: string | number;
  purpose: number;
  /** Unix seconds. */
  servedAt: number;
  requestId: string;
  anchor: DisclosureAnchor | null;
}

export interface AnchoredBatch {
  root: Hex;
  fromSeq: string | number;
  toSeq: string | number;
  txHash: Hex;
  /** anchored: on chain; pending: sent, waiting for its block. */
  status: "anchored" | "pending";
}

/** POST /api/disclosures/anchor: the batch, or null with the time the next on-demand anchor may be sent. */
export interface AnchorOutcome {
  anchored: AnchoredBatch | null;
  /** Unix seconds; set when the gateway anchored recently and deferred this request. */
  nextAnchorAt?: number;
}

export type UploadProgress = (sent: number, total: number) => void;

export interface GatewayClientOptions {
  /** Origin the paths are resolved against ("" = the page's own origin). */
  baseUrl?: string;
  fetch?: typeof fetch;
}

export function createGatewayClient(options: GatewayClientOptions = {}) {
  const baseUrl = options.baseUrl ?? "";
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      // Same origin: the session cookie goes along; no-store so a revoked read is never answered from a cache.
      const headers = new Headers(init.headers);
      headers.set(CLIENT_HEADER, "1");
      response = await doFetch(`${baseUrl}${path}`, {
        credentials: "same-origin",
        cache: "no-store",
        ...init,
        headers,
      });
    } catch {
      throw new GatewayError({ status: 0, code: "unreachable", message: "The gateway cannot be reached." });
    }
    if (!response.ok) throw parseGatewayError(response.status, await response.text().catch(() => ""), response.headers);
    return response;
  }

  const json = async <T>(path: string, init?: RequestInit): Promise<T> =>
    (await request(path, init)).json() as Promise<T>;
  const sendJson = (method: string, body: unknown): RequestInit => ({
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

  return {
    paths: gatewayPaths,

    async nonce(): Promise<string> {
      return (await json<{ nonce: string }>(gatewayPaths.nonce())).nonce;
    },

    verify(message: string, signature: Hex): Promise<GatewaySession> {
      return json(gatewayPaths.verify(), sendJson("POST", { message, signature }));
    },

    /** The current session, or null when this browser is not signed in. */
    async session(): Promise<GatewaySession | null> {
      try {
        return await json<GatewaySession>(gatewayPaths.session());
      } catch (error) {
        if (error instanceof GatewayError && error.status === 401) return null;
        throw error;
      }
    },

    async logout(): Promise<void> {
      await request(gatewayPaths.logout(), { method: "POST" });
    },

    /**
     * Stores the ciphertext under its CID. XMLHttpRequest, not fetch: only it reports upload progress in browsers.
     * Without XMLHttpRequest (Node, tests) it falls back to fetch and reports progress once, at the end.
     */
    async uploadBlob(
      cid: string,
      ciphertext: Uint8Array<ArrayBuffer>,
      query: { patient: Address; category: number; purpose?: string },
      onProgress?: UploadProgress,
      /** The patient's own wrapped key, kept by the gateway until the record is on chain. */
      ownWrappedKey?: Uint8Array,
    ): Promise<StoredBlob> {
      const path = gatewayPaths.blob(cid, query);
      const headers: Record<string, string> = { "content-type": "application/octet-stream" };
      if (ownWrappedKey !== undefined) headers["x-wrapped-key"] = toBase64Url(ownWrappedKey);
      if (typeof XMLHttpRequest === "undefined" || options.fetch !== undefined) {
        const stored = await json<StoredBlob>(path, { method: "PUT", headers, body: ciphertext });
        onProgress?.(ciphertext.length, ciphertext.length);
        return stored;
      }
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("PUT", `${baseUrl}${path}`);
        xhr.withCredentials = true;
        for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
        xhr.setRequestHeader(CLIENT_HEADER, "1");
        xhr.upload.onprogress = (event) =>
          onProgress?.(event.loaded, event.lengthComputable ? event.total : ciphertext.length);
        xhr.onerror = () =>
          reject(new GatewayError({ status: 0, code: "unreachable", message: "The gateway cannot be reached." }));
        xhr.onload = () => {
          const headers = { get: (name: string) => xhr.getResponseHeader(name) };
          if (xhr.status < 200 || xhr.status >= 300)
            return reject(parseGatewayError(xhr.status, xhr.responseText, headers));
          try {
            resolve(JSON.parse(xhr.responseText) as StoredBlob);
          } catch {
            reject(
              new GatewayError({
                status: xhr.status,
                code: "bad_response",
                message: "The gateway's answer was not understood.",
              }),
            );
          }
        };
        xhr.send(ciphertext);
      });
    },

    /** Reads a record: the gateway checks access on chain now, logs the read, then serves ciphertext and wrapped key. */
    async getRecord(patient: Address, recordId: bigint, purpose?: string): Promise<ServedRecord> {
      const response = await request(gatewayPaths.record(patient, recordId, purpose));
      const header = (name: string) => {
        const value = response.headers.get(name);
        if (value === null)
          throw new GatewayError({
            status: response.status,
            code: "bad_response",
            message: `The gateway's answer lacks ${name}.`,
          });
        return value;
      };
      return {
        ciphertext: new Uint8Array(await response.arrayBuffer()),
        wrappedKey: fromBase64Url(header("x-wrapped-key")),
        contentHash: header("x-content-hash") as Hex,
        category: Number(header("x-record-category")),
        author: header("x-record-author") as Address,
        disclosureId: BigInt(header("x-disclosure-id")),
        requestId: response.headers.get("x-request-id") ?? "",
      };
    },

    /** The patient's own wrapped keys (recipient = patient), to re-wrap for a new grantee. */
    async ownKeys(patient: Address): Promise<{ recordId: bigint; wrappedKey: Uint8Array<ArrayBuffer> }[]> {
      const body = await json<{ keys: { recordId: string | number; wrappedKey: string }[] }>(
        gatewayPaths.ownKeys(patient),
      );
      return body.keys.map((k) => ({ recordId: BigInt(k.recordId), wrappedKey: fromBase64Url(k.wrappedKey) }));
    },

    async putWrappedKey(patient: Address, recordId: bigint, recipient: Address, wrappedKey: Uint8Array): Promise<void> {
      await request(
        gatewayPaths.recordKey(patient, recordId, recipient),
        sendJson("PUT", { wrappedKey: toBase64Url(wrappedKey) }),
      );
    },

    /** Every read of the patient's records, newest first, each with its anchor once anchored. */
    async disclosures(patient: Address): Promise<Disclosure[]> {
      return (await json<{ entries: Disclosure[] }>(gatewayPaths.disclosures(patient))).entries;
    },

    /** Whom emergency (escrow) copies are wrapped for: check `publicKey` against the KeyDirectory before using it. */
    escrowRecipient(): Promise<{ address: Address; publicKey: Hex }> {
      return json(gatewayPaths.escrowRecipient());
    },

    /** The ids of the patient's records the gateway holds an emergency copy of (patient only). */
    async escrowRecordIds(patient: Address): Promise<bigint[]> {
      const body = await json<{ recordIds: (string | number)[] }>(gatewayPaths.escrowCopies(patient));
      return body.recordIds.map((id) => BigInt(id));
    },

    /** Stores the emergency copy of one routine record's key, wrapped for the escrow key (patient only). */
    async putEscrowCopy(patient: Address, recordId: bigint, wrappedKey: Uint8Array): Promise<void> {
      await request(
        gatewayPaths.escrowCopy(patient, recordId),
        sendJson("PUT", { wrappedKey: toBase64Url(wrappedKey) }),
      );
    },

    /** Deletes every emergency copy of the patient's record keys; how many there were. */
    async withdrawEscrowCopies(patient: Address): Promise<number> {
      return (await json<{ deleted: number }>(gatewayPaths.escrowCopies(patient), { method: "DELETE" })).deleted;
    },

    /**
     * Hands the signed-in patient's own signed consent change to the gas-free relay; the transaction hash. Needs a
     * session of that patient (401 otherwise); 429 relay_quota_exceeded once today's gas-free changes are used.
     */
    async relay(body: RelayBody): Promise<Hex> {
      return (await json<{ hash: Hex }>(gatewayPaths.relay(), sendJson("POST", body))).hash;
    },

    /** The passkey account of a credential (the gateway's record of deployments), or null when it knows none. */
    async accountOfCredential(credentialId: string): Promise<PasskeyAccountInfo | null> {
      try {
        return await json<PasskeyAccountInfo>(gatewayPaths.accountOfCredential(credentialId));
      } catch (error) {
        if (error instanceof GatewayError && error.status === 404) return null;
        throw error;
      }
    },

    /**
     * Asks the gateway to deploy (and pay for) the passkey account of (x, y); needs a session of the predicted account.
     * Idempotent: an account already deployed is returned as it is.
     */
    createAccount(passkey: {
      x: Hex;
      y: Hex;
      credentialId: string;
    }): Promise<{ account: Address; deployed: boolean; transactionHash?: Hex }> {
      return json(gatewayPaths.accounts(), sendJson("POST", passkey));
    },

    /** Relays a passkey account's signed execution (executeBySig); the transaction hash. Needs its session. */
    async executeForAccount(account: Address, execution: ExecuteRelayBody): Promise<Hex> {
      const body = await json<{ transactionHash: Hex }>(
        gatewayPaths.accountExecute(account),
        sendJson("POST", execution),
      );
      return body.transactionHash;
    },

    /** Stores the account's encryption key sealed for one of its passkeys (opaque to the gateway). Needs its session. */
    async putKeyCopy(account: Address, credentialId: string, copy: SealedKeyCopy): Promise<void> {
      await request(gatewayPaths.keyCopy(account, credentialId), sendJson("PUT", copy));
    },

    /** The sealed copy of the account's key for this passkey, or null when it was added without one. */
    async keyCopy(account: Address, credentialId: string): Promise<SealedKeyCopy | null> {
      try {
        return await json<SealedKeyCopy>(gatewayPaths.keyCopy(account, credentialId));
      } catch (error) {
        if (error instanceof GatewayError && error.status === 404) return null;
        throw error;
      }
    },

    /** Asks the gateway to anchor the pending reads now (it may defer: at most one anchor an interval). */
    async anchorNow(): Promise<AnchorOutcome> {
      return json<AnchorOutcome>(gatewayPaths.anchor(), { method: "POST" });
    },
  };
}

export type GatewayClient = ReturnType<typeof createGatewayClient>;

/** Waits before the retries of a request that may succeed later: 1 s, 2 s, 4 s (or the gateway's Retry-After). */
export const RETRY_DELAYS_MS = [1_000, 2_000, 4_000] as const;

/** A failure worth retrying: the gateway unreachable, busy (429), failing (5xx) or not yet seeing the new block (404). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false;
  return error.status === 0 || error.status === 404 || error.status === 429 || error.status >= 500;
}

/**
 * Runs `attempt` once, then again after each of `delays` while it fails with a retryable error (bounded: at most
 * delays.length + 1 tries). A 429's Retry-After, when longer, replaces the planned delay. The last error is thrown.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  delays: readonly number[] = RETRY_DELAYS_MS,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= delays.length || !isRetryable(error)) throw error;
      // A long Retry-After is capped: the caller has a person waiting, and a fallback if this still fails.
      const retryAfter =
        error instanceof GatewayError && error.retryAfter !== undefined ? Math.min(error.retryAfter, 10) * 1000 : 0;
      await sleep(Math.max(delays[i], retryAfter));
    }
  }
}

/** The portal's client of its own gateway (same origin). */
export const gateway = createGatewayClient();

/** Anything a vault step threw, in plain words: the gateway's message, the vault's, or the wallet's and chain's. */
export function describeVaultFailure(error: unknown): string {
  if (error instanceof GatewayError || error instanceof VaultError) return error.message;
  return describeFailure(error).message;
}
