// The gateway's two cookies: medconsent_siwe (who asked for a nonce) and medconsent_session (who is signed in). Off
// localhost they carry the `__Host-` prefix, which browsers accept only with Secure, Path=/ and no Domain: no
// subdomain and no plain-http page can then plant a cookie of that name (a session fixation) for the portal.
import "server-only";

export const SIWE_COOKIE = "medconsent_siwe";
export const SESSION_COOKIE = "medconsent_session";

export interface CookieNames {
  siwe: string;
  session: string;
}

/** The names to set and read: prefixed with `__Host-` whenever the cookies are Secure (any origin but http://localhost). */
export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? "__Host-" : "";
  return { siwe: `${prefix}${SIWE_COOKIE}`, session: `${prefix}${SESSION_COOKIE}` };
}

/** The value of one cookie of the request, or undefined. */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure unless the portal runs on http://localhost, and never a
 * Domain (a `__Host-` cookie with one would be refused by the browser).
 */
export function setCookie(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  if (name.startsWith("__Host-") && !options.secure) throw new Error(`${name} must be Secure.`);
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${options.maxAgeSeconds}`];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export const clearCookie = (name: string, secure: boolean) => setCookie(name, "", { maxAgeSeconds: 0, secure });
