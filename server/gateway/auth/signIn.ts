// The sign-in endpoints' work: nonce issue, SIWE verification into a session cookie, session lookup, logout.
import "server-only";
import { clearCookie, readCookie, setCookie } from "@/server/gateway/http/cookies";
import type { Gateway } from "@/server/gateway/context";
import { notSignedIn } from "@/server/gateway/http/errors";
import { issueNonce, NONCE_LIFETIME_MS, parseSignInBody, siweClientId, verifySignIn } from "./siwe";
import { createSession, deleteSession, findSession, type Session } from "./sessions";

export interface AuthResult<T> {
  body: T;
  cookies: string[];
}

const sessionBody = (session: Session) => ({
  address: session.address,
  chainId: session.chainId,
  expiresAt: new Date(session.expiresAt).toISOString(),
});

/** GET /api/auth/nonce */
export async function startSignIn(gateway: Gateway, request: Request): Promise<AuthResult<{ nonce: string }>> {
  const { cookieNames, secureCookies: secure } = gateway.config;
  const { clientId } = siweClientId(readCookie(request, cookieNames.siwe));
  const nonce = await issueNonce(gateway.db, clientId);
  // Renewed on every nonce, so the cookie outlives the newest nonce it holds.
  const cookie = setCookie(cookieNames.siwe, clientId, { maxAgeSeconds: NONCE_LIFETIME_MS / 1000, secure });
  return { body: { nonce }, cookies: [cookie] };
}

/** POST /api/auth/verify */
export async function finishSignIn(gateway: Gateway, request: Request, body: unknown) {
  const signIn = parseSignInBody(body);
  const { cookieNames, secureCookies: secure } = gateway.config;
  const session = await verifySignIn(gateway, signIn, readCookie(request, cookieNames.siwe));
  const token = await createSession(gateway.db, session);
  const maxAgeSeconds = Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000));
  return {
    body: sessionBody(session),
    cookies: [setCookie(cookieNames.session, token, { maxAgeSeconds, secure })],
  };
}

/** GET /api/auth/session */
export async function currentSession(gateway: Gateway, request: Request) {
  const session = await findSession(gateway, request);
  if (session === undefined) throw notSignedIn();
  return sessionBody(session);
}

/** POST /api/auth/logout: deletes the session row and clears the cookie (also when there was no session). */
export async function signOut(gateway: Gateway, request: Request): Promise<string[]> {
  await deleteSession(gateway, request);
  return [clearCookie(gateway.config.cookieNames.session, gateway.config.secureCookies)];
}
