// Sealed copies of a passkey account's encryption key, one per passkey added from its first device: the browser seals
// the key under the added passkey's PRF output (lib/vault/keyCopy), so the gateway stores and serves bytes it cannot
// open. Only the account's own session may store or read them: a stranger must not collect copies to attack offline.
import "server-only";
import type { Address } from "viem";
import { KEY_COPY_CIPHERTEXT_BYTES, KEY_COPY_IV_BYTES, type SealedKeyCopy } from "@/lib/vault/keyCopy";
import type { Gateway } from "@/server/gateway/context";
import type { Session } from "@/server/gateway/auth/sessions";
import { badRequest, forbidden, GatewayError, notFound } from "@/server/gateway/http/errors";

/** The largest body of PUT …/key-copies/{credentialId}: `{ iv, ciphertext }` is about 100 bytes. */
export const KEY_COPY_MAX_BODY_BYTES = 512;
/** Copies one account may keep: one per passkey, and an account has a handful; this bounds what a session can store. */
export const MAX_KEY_COPIES = 32;

const base64UrlOf = (bytes: number) => new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`);
const IV = base64UrlOf(KEY_COPY_IV_BYTES);
const CIPHERTEXT = base64UrlOf(KEY_COPY_CIPHERTEXT_BYTES);

/** `{ iv, ciphertext }` of PUT …/key-copies/{credentialId}: exactly a 12-byte IV and a 48-byte sealed key, base64url. */
export function parseKeyCopy(body: unknown): SealedKeyCopy {
  const { iv, ciphertext } = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof iv !== "string" || !IV.test(iv) || typeof ciphertext !== "string" || !CIPHERTEXT.test(ciphertext)) {
    throw badRequest(
      `Send a JSON object { "iv", "ciphertext" }: a ${KEY_COPY_IV_BYTES}-byte IV and the ${KEY_COPY_CIPHERTEXT_BYTES}-byte ` +
        "sealed key, each in base64url without padding.",
    );
  }
  return { iv, ciphertext };
}

function requireOwnAccount(session: Session, account: Address): void {
  if (session.address !== account) {
    throw forbidden(
      `You are signed in as ${session.address}, not ${account}: only the account itself may store or read copies of ` +
        "its encryption key.",
      "not_your_account",
    );
  }
}

/** Stores the copy sealed for `credentialId`, replacing an earlier one for the same passkey. */
export async function storeKeyCopy(
  gateway: Gateway,
  session: Session,
  account: Address,
  credentialId: string,
  copy: SealedKeyCopy,
  now = Date.now(),
): Promise<void> {
  requireOwnAccount(session, account);
  const [{ count }] = await gateway.db.query<{ count: number | string }>(
    "SELECT count(*) AS count FROM passkey_key_copies WHERE account = $1 AND credential_id <> $2",
    [account, credentialId],
  );
  if (Number(count) >= MAX_KEY_COPIES) {
    throw new GatewayError(
      409,
      "too_many_key_copies",
      `This account already keeps ${MAX_KEY_COPIES} copies of its encryption key, one per added passkey: none more is stored.`,
    );
  }
  await gateway.db.query(
    `INSERT INTO passkey_key_copies (account, credential_id, iv, ciphertext, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (account, credential_id) DO UPDATE SET iv = EXCLUDED.iv, ciphertext = EXCLUDED.ciphertext,
       created_at = EXCLUDED.created_at`,
    [account, credentialId, copy.iv, copy.ciphertext, now],
  );
}

/** The copy sealed for `credentialId`; 404 key_copy_not_found when that passkey was added without one. */
export async function findKeyCopy(
  gateway: Gateway,
  session: Session,
  account: Address,
  credentialId: string,
): Promise<SealedKeyCopy> {
  requireOwnAccount(session, account);
  const rows = await gateway.db.query<SealedKeyCopy>(
    "SELECT iv, ciphertext FROM passkey_key_copies WHERE account = $1 AND credential_id = $2",
    [account, credentialId],
  );
  if (rows.length === 0) {
    throw notFound(
      "key_copy_not_found",
      "This passkey was added without a copy of your encryption key: open your records on the device where you first " +
        "set up your account, or add this device again from there.",
    );
  }
  return { iv: rows[0].iv, ciphertext: rows[0].ciphertext };
}
