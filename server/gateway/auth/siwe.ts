// Sign-In with Ethereum (EIP-4361): single-use nonces bound to the browser that asked for them, then a strict check
// of the signed message against this gateway's origin and chain, then the signature (EOA, ERC-1271 or ERC-6492
// through viem's verifyMessage, which asks the chain for contract wallets).
import "server-only";
import { randomBytes } from "node:crypto";
import { BaseError, getAddress, HttpRequestError, isAddress, TimeoutError, type Hex, type PublicClient } from "viem";
import { parseSiweMessage } from "viem/siwe";
import type { ConsentClient } from "@/lib/consentClient";
import { toBase64Url } from "@/lib/vault/encoding";
import type { GatewayConfig } from "@/server/gateway/config";
import type { Db } from "@/server/gateway/storage/db";
import { badRequest, chainUnavailable, GatewayError } from "@/server/gateway/http/errors";
import { sha256, SESSION_LIFETIME_MS, type Session } from "./sessions";

export const NONCE_LIFETIME_MS = 5 * 60 * 1000;
/** A message must have been issued within this window, and not later than now plus the clock skew. */
const MAX_MESSAGE_AGE_MS = 5 * 60 * 1000;
const CLOCK_SKEW_MS = 60 * 1000;
const CLIENT_ID = /^[A-Za-z0-9_-]{22}$/;

const unauthorized = (code: "invalid_signature" | "nonce_invalid" | "message_invalid", message: string) =>
  new GatewayError(401, code, message);

/** A fresh client id for the medconsent_siwe cookie, unless the browser already holds a well-formed one. */
export function siweClientId(existing: string | undefined): { clientId: string; isNew: boolean } {
  if (existing !== undefined && CLIENT_ID.test(existing)) return { clientId: existing, isNew: false };
  return { clientId: toBase64Url(randomBytes(16)), isNew: true };
}

/** Issues a nonce (32 hex characters) valid for 5 minutes, once, for the holder of `clientId`. */
export async function issueNonce(db: Db, clientId: string, now = Date.now()): Promise<string> {
  const nonce = randomBytes(16).toString("hex");
  await db.query("INSERT INTO siwe_nonces (nonce, client_hash, expires_at) VALUES ($1, $2, $3)", [
    nonce,
    sha256(clientId),
    now + NONCE_LIFETIME_MS,
  ]);
  if (Math.random() < 0.05) await db.query("DELETE FROM siwe_nonces WHERE expires_at <= $1", [now]);
  return nonce;
}

export interface SignInRequest {
  message: string;
  signature: Hex;
}

export function parseSignInBody(body: unknown): SignInRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest('Send a JSON object { "message": "<the SIWE message>", "signature": "0x…" }.');
  }
  const { message, signature } = body as { message?: unknown; signature?: unknown };
  if (typeof message !== "string" || message === "" || message.length > 4_096) {
    throw badRequest('"message" must be the signed Sign-In with Ethereum message (at most 4,096 characters).');
  }
  if (typeof signature !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(signature) || signature.length > 20_000) {
    throw badRequest('"signature" must be the wallet\'s signature as 0x-prefixed hex.');
  }
  return { message, signature: signature as Hex };
}

/** Checks every field of the message; returns the session it would open, or throws 401 message_invalid. */
function checkMessage(text: string, config: GatewayConfig, now: number) {
  const message = parseSiweMessage(text);
  const problem = (what: string) => unauthorized("message_invalid", `The sign-in message is not acceptable: ${what}`);
  if (message.address === undefined || !isAddress(message.address)) throw problem("it names no valid address.");
  if (message.domain !== config.domain) throw problem(`it is for "${message.domain ?? ""}", not ${config.domain}.`);
  let uriOrigin: string | undefined;
  try {
    uriOrigin = message.uri === undefined ? undefined : new URL(message.uri).origin;
  } catch {
    uriOrigin = undefined;
  }
  if (uriOrigin !== config.origin) throw problem(`its URI must be on ${config.origin}.`);
  if (message.version !== "1") throw problem("only version 1 of Sign-In with Ethereum is supported.");
  if (message.chainId !== config.chainId) throw problem(`it is for chain ${message.chainId}, not ${config.chainId}.`);
  if (message.nonce === undefined || !/^[A-Za-z0-9]{8,}$/.test(message.nonce)) throw problem("it has no nonce.");
  const issuedAt = message.issuedAt?.getTime();
  if (issuedAt === undefined || Number.isNaN(issuedAt)) throw problem("it has no Issued At time.");
  if (issuedAt > now + CLOCK_SKEW_MS) throw problem("it was issued in the future (check your clock).");
  if (issuedAt < now - MAX_MESSAGE_AGE_MS) throw problem("it was issued more than 5 minutes ago: sign in again.");
  const expiresAt = message.expirationTime?.getTime();
  if (expiresAt !== undefined && (Number.isNaN(expiresAt) || expiresAt <= now)) throw problem("it has expired.");
  const notBefore = message.notBefore?.getTime();
  if (notBefore !== undefined && (Number.isNaN(notBefore) || notBefore > now)) throw problem("it is not valid yet.");
  return {
    address: getAddress(message.address),
    nonce: message.nonce,
    expiresAt: Math.min(now + SESSION_LIFETIME_MS, expiresAt ?? Infinity),
  };
}

/**
 * Verifies a signed SIWE message for the browser holding `clientId`; returns the session to open.
 * The nonce is spent before the signature is checked, so a replayed message fails whether or not it was valid.
 */
export async function verifySignIn(
  deps: { db: Db; config: GatewayConfig; consentClient: ConsentClient<PublicClient> },
  request: SignInRequest,
  clientId: string | undefined,
  now = Date.now(),
): Promise<Session> {
  const checked = checkMessage(request.message, deps.config, now);
  if (clientId === undefined || !CLIENT_ID.test(clientId)) {
    throw unauthorized("nonce_invalid", "Ask for a nonce first (GET /api/auth/nonce) from this browser.");
  }
  const spent = await deps.db.query<{ nonce: string }>(
    `UPDATE siwe_nonces SET used_at = $3
       WHERE nonce = $1 AND client_hash = $2 AND used_at IS NULL AND expires_at > $3
       RETURNING nonce`,
    [checked.nonce, sha256(clientId), now],
  );
  if (spent.length === 0) {
    throw unauthorized(
      "nonce_invalid",
      "The nonce is unknown, already used, expired, or was issued to another browser: sign in again.",
    );
  }
  let valid: boolean;
  try {
    valid = await deps.consentClient.publicClient.verifyMessage({
      address: checked.address,
      message: request.message,
      signature: request.signature,
    });
  } catch (error) {
    // A contract wallet's ERC-1271 check needs the chain: a transport failure is 503; anything else (a malformed
    // signature, a reverting wallet) means the signature is not valid.
    if (isTransportFailure(error)) {
      console.error("gateway: SIWE verification could not reach the chain:", error);
      throw chainUnavailable();
    }
    valid = false;
  }
  if (!valid)
    throw unauthorized("invalid_signature", `The signature was not made by ${checked.address} over this message.`);
  return { address: checked.address, chainId: deps.config.chainId, expiresAt: checked.expiresAt };
}

function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null;
}
