// Passkey-account requests checked without the chain: the passkey's public key (a point on P-256), its WebAuthn
// credential id, and a signed batch of calls; anything malformed is 400 before the chain or the database is asked.
import "server-only";
import { p256 } from "@noble/curves/nist.js";
import { getAddress, isAddress, type Hex } from "viem";
import type { AccountCall } from "@/lib/passkey/webauthnSignature";
import { badRequest } from "@/server/gateway/http/errors";

/** The largest body of POST /api/accounts/{account}/execute: a key publication and a few calls fit with room. */
export const EXECUTE_MAX_BODY_BYTES = 16_384;
/** Calls in one relayed batch: a patient's change is a handful; more only makes the simulation costlier. */
export const MAX_CALLS = 16;
/** WebAuthn credential ids are at most 1,023 bytes (WebAuthn Level 3, §5.1): 1,364 base64url characters. */
const CREDENTIAL_ID = /^[A-Za-z0-9_-]{16,1364}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

export interface Passkey {
  x: Hex;
  y: Hex;
}

export interface AccountRegistration extends Passkey {
  credentialId: string;
}

export interface SignedExecution {
  calls: AccountCall[];
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether (x, y) is a point of P-256 other than infinity: no passkey could sign for anything else. */
export function isOnP256(x: Hex, y: Hex): boolean {
  try {
    p256.Point.fromAffine({ x: BigInt(x), y: BigInt(y) }).assertValidity();
    return true;
  } catch {
    return false;
  }
}

export function parseCredentialId(value: unknown): string {
  if (typeof value !== "string" || !CREDENTIAL_ID.test(value)) {
    throw badRequest('"credentialId" must be the passkey\'s credential id in base64url (16 to 1,364 characters).');
  }
  return value;
}

/** `{ x, y, credentialId }` of POST /api/accounts; 400 invalid_passkey for a key that is not on the curve. */
export function parseAccountRegistration(body: unknown): AccountRegistration {
  if (!isObject(body)) {
    throw badRequest('Send a JSON object { "x": "0x…", "y": "0x…", "credentialId": "<base64url>" }.');
  }
  const { x, y, credentialId } = body;
  if (typeof x !== "string" || !BYTES32.test(x) || typeof y !== "string" || !BYTES32.test(y)) {
    throw badRequest('"x" and "y" must be the passkey\'s P-256 public key coordinates, each 0x and 64 hex digits.');
  }
  if (!isOnP256(x as Hex, y as Hex)) {
    throw badRequest(
      "This public key is not a point on the P-256 curve, so no passkey can sign for it. Send the x and y of the " +
        "passkey's public key (COSE key -2 and -3) as they are.",
      "invalid_passkey",
    );
  }
  return { x: x.toLowerCase() as Hex, y: y.toLowerCase() as Hex, credentialId: parseCredentialId(credentialId) };
}

function decimal(name: string, value: unknown, fallback?: bigint): bigint {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string" || !/^\d{1,78}$/.test(value)) {
    throw badRequest(`"${name}" must be a whole number written in decimal, as a string.`);
  }
  const number = BigInt(value);
  if (number >= 1n << 256n) throw badRequest(`"${name}" is too large for a uint256.`);
  return number;
}

/** `{ calls: [{ target, value?, data }], nonce, deadline, signature }` of POST /api/accounts/{account}/execute. */
export function parseSignedExecution(body: unknown): SignedExecution {
  if (!isObject(body)) {
    throw badRequest(
      'Send a JSON object { "calls": [{ "target", "value", "data" }], "nonce", "deadline", "signature" }.',
    );
  }
  const { calls, nonce, deadline, signature } = body;
  if (!Array.isArray(calls) || calls.length === 0 || calls.length > MAX_CALLS) {
    throw badRequest(`"calls" must be a list of 1 to ${MAX_CALLS} calls.`);
  }
  const parsed = calls.map((call, i): AccountCall => {
    if (!isObject(call)) throw badRequest(`calls[${i}] must be an object { "target", "value", "data" }.`);
    if (typeof call.target !== "string" || !isAddress(call.target)) {
      throw badRequest(`calls[${i}].target must be a 0x address.`);
    }
    if (typeof call.data !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(call.data)) {
      throw badRequest(`calls[${i}].data must be 0x-prefixed hex bytes.`);
    }
    return {
      target: getAddress(call.target),
      value: decimal(`calls[${i}].value`, call.value, 0n),
      data: call.data as Hex,
    };
  });
  if (typeof signature !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(signature)) {
    throw badRequest('"signature" must be the passkey\'s signature as 0x-prefixed hex bytes.');
  }
  return {
    calls: parsed,
    nonce: decimal("nonce", nonce),
    deadline: decimal("deadline", deadline),
    signature: signature as Hex,
  };
}
