// Sessions after Sign-In with Ethereum: the cookie holds 32 random bytes; the database holds only their SHA-256, so a
// leaked database cannot be replayed as cookies.
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { getAddress, type Address } from "viem";
import { toBase64Url } from "@/lib/vault/encoding";
import { readCookie, type CookieNames } from "@/server/gateway/http/cookies";
import type { Db } from "@/server/gateway/storage/db";
import { notSignedIn } from "@/server/gateway/http/errors";

/** The longest a session lasts; a SIWE message's expirationTime can make it shorter. */
export const SESSION_LIFETIME_MS = 8 * 3600 * 1000;

export interface Session {
  address: Address;
  chainId: number;
  /** Unix milliseconds. */
  expiresAt: number;
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest();

/** What a session lookup needs: the database, and the session cookie's name (with `__Host-` off localhost). */
export interface SessionStore {
  db: Db;
  config: { cookieNames: CookieNames };
}

/**
 * Sessions already looked up, by token hash. Only for PGlite: its database lives inside this one process, so every
 * change to a session (sign-in, logout) passes through here and the cache cannot go stale. With Postgres, several
 * gateway processes may share the table, and every lookup asks it.
 */
const sessionCache = new WeakMap<Db, Map<string, Session>>();
const MAX_CACHED_SESSIONS = 10_000;

function cacheOf(db: Db): Map<string, Session> | undefined {
  if (db.kind !== "pglite") return undefined;
  let cache = sessionCache.get(db);
  if (cache === undefined) sessionCache.set(db, (cache = new Map()));
  return cache;
}

/** Creates a session row and returns the cookie token (base64url of 32 random bytes). */
export async function createSession(db: Db, session: Session, now = Date.now()): Promise<string> {
  const token = toBase64Url(randomBytes(32));
  await db.query(
    "INSERT INTO sessions (token_hash, address, chain_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    [sha256(token), session.address, session.chainId, now, session.expiresAt],
  );
  // Expired rows are cleared now and then, at sign-in, so the table does not grow without bound.
  if (Math.random() < 0.05) await db.query("DELETE FROM sessions WHERE expires_at <= $1", [now]);
  return token;
}

/** The request's live session, or undefined. */
export async function findSession(
  { db, config }: SessionStore,
  request: Request,
  now = Date.now(),
): Promise<Session | undefined> {
  const token = readCookie(request, config.cookieNames.session);
  if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const tokenHash = sha256(token);
  const cache = cacheOf(db);
  const key = tokenHash.toString("base64");
  const cached = cache?.get(key);
  if (cached !== undefined) {
    if (cached.expiresAt > now) return cached;
    cache!.delete(key);
    return undefined;
  }
  const rows = await db.query<{ address: string; chain_id: number; expires_at: string | number }>(
    "SELECT address, chain_id, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    [tokenHash, now],
  );
  if (rows.length === 0) return undefined;
  const session = {
    address: getAddress(rows[0].address),
    chainId: Number(rows[0].chain_id),
    expiresAt: Number(rows[0].expires_at),
  };
  if (cache !== undefined) {
    if (cache.size >= MAX_CACHED_SESSIONS) cache.delete(cache.keys().next().value as string);
    cache.set(key, session);
  }
  return session;
}

/** The request's live session; 401 not_signed_in otherwise. */
export async function requireSession(store: SessionStore, request: Request): Promise<Session> {
  const session = await findSession(store, request);
  if (session === undefined) throw notSignedIn();
  return session;
}

export async function deleteSession({ db, config }: SessionStore, request: Request): Promise<void> {
  const token = readCookie(request, config.cookieNames.session);
  if (token === undefined) return;
  const tokenHash = sha256(token);
  cacheOf(db)?.delete(tokenHash.toString("base64"));
  await db.query("DELETE FROM sessions WHERE token_hash = $1", [tokenHash]);
}
