// The one wrapper every gateway route runs through: request id, cross-origin check, rate limits, and JSON errors.
// Route handlers stay thin: parse, call a gateway function, respond.
import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { GatewayConfigError } from "@/server/gateway/config";
import { getGateway, type Gateway } from "@/server/gateway/context";
import { readCookie } from "./cookies";
import { forbidden, GatewayError } from "./errors";
import type { Limit, RateLimiter } from "./rateLimit";
import { findSession } from "@/server/gateway/auth/sessions";

export interface RouteContext {
  request: Request;
  gateway: Gateway;
  /** A UUID, sent back as X-Request-Id and logged with any disclosure. */
  requestId: string;
  clientIp: string;
}

/**
 * How a route is rate-limited:
 * - "auth" (a sign-in nonce): per IP, then — only if that admitted it — the ceiling for all clients together, which
 *   bounds the rows a flood of spoofed addresses can write;
 * - "signIn" (completing a sign-in): per IP only; its costly part (the signature check) runs only for a nonce issued
 *   under the ceiling, once, so the ceiling never blocks someone who already holds a nonce;
 * - "session" (reading or ending a session): a live session counts per session only, so no other client can limit
 *   it away; without one, per IP;
 * - "api": per IP and per session.
 */
export type RouteKind = "auth" | "signIn" | "session" | "api";

const STATE_CHANGING = new Set(["POST", "PUT", "DELETE", "PATCH"]);

/**
 * The client's address. Next's server fills X-Forwarded-For with the socket's address only when the request has none,
 * so its left-most entries are whatever the client claimed: trust only the entry the nearest trusted proxy appended
 * (GATEWAY_TRUSTED_PROXY_HOPS from the right), or with no proxy the last one.
 */
export function clientIpOf(forwardedFor: string | null, trustedProxyHops: number): string {
  const entries = (forwardedFor ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return "local";
  return entries[Math.max(0, entries.length - Math.max(1, trustedProxyHops))];
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers });
}

function errorResponse(error: GatewayError): Response {
  const body: Record<string, string> = { error: error.code, message: error.message };
  if (error.extra.reason !== undefined) body.reason = error.extra.reason;
  return json(error.status, body, error.extra.headers);
}

const sessionKey = (token: string) => `session:${createHash("sha256").update(token).digest("base64url")}`;

interface Refusal {
  retryAfter: number;
  message: string;
}

/** Counts the request against the limits of its kind; the refusal's wait and words, or undefined when admitted. */
async function checkRateLimits(
  kind: RouteKind,
  request: Request,
  gateway: Gateway,
  clientIp: string,
): Promise<Refusal | undefined> {
  const refusal = (limit: Limit, limiter: RateLimiter, whose: string) =>
    limit.allowed
      ? undefined
      : {
          retryAfter: limit.retryAfter,
          message: `Too many requests: at most ${limiter.limit} a minute ${whose}. Try again in ${limit.retryAfter} seconds.`,
        };
  const token = readCookie(request, gateway.config.cookieNames.session);
  if (kind === "api") {
    const keys = token === undefined ? [`ip:${clientIp}`] : [`ip:${clientIp}`, sessionKey(token)];
    return refusal(await gateway.limiter.take(keys), gateway.limiter, "from one network address or session");
  }
  if (kind === "session") {
    // Reading or ending a session is a cheap lookup, polled by every open portal tab: a live session counts only
    // against itself, anything else against its address's general limit, never against the stricter sign-in one.
    if (token !== undefined && (await findSession(gateway, request)) !== undefined) {
      return refusal(await gateway.limiter.take([sessionKey(token)]), gateway.limiter, "for one session");
    }
    return refusal(await gateway.limiter.take([`ip:${clientIp}`]), gateway.limiter, "from one network address");
  }
  const perIp = await gateway.authLimiter.take([`auth-ip:${clientIp}`]);
  if (!perIp.allowed || kind !== "auth") return refusal(perIp, gateway.authLimiter, "from one network address");
  return refusal(await gateway.authCeiling.take(["all"]), gateway.authCeiling, "from all clients together");
}

/**
 * The header a record read must carry: a link, a form or an image cannot send it, and a cross-site fetch that sets it
 * needs a CORS preflight, which the gateway never approves.
 */
export const CLIENT_HEADER = "X-MedConsent-Client";

/**
 * Refuses a request a cross-site page could have triggered (a top-level navigation, an <img>): it must carry
 * X-MedConsent-Client: 1 and must not be marked cross-site by the browser (Sec-Fetch-Site).
 */
export function requireClientHeader(request: Request): void {
  const crossSite = request.headers.get("sec-fetch-site") === "cross-site";
  if (request.headers.get(CLIENT_HEADER) !== "1" || crossSite) {
    throw forbidden(
      `Records are read only by the MedConsent portal or a client that sends the ${CLIENT_HEADER}: 1 header, so a ` +
        "link or an image on another site cannot read one in your name. Nothing was read or logged.",
      "client_header_required",
    );
  }
}

/** Runs one gateway request; every response carries X-Request-Id and Cache-Control: no-store. */
export async function handleGateway(
  request: Request,
  kind: RouteKind,
  handler: (context: RouteContext) => Promise<Response>,
): Promise<Response> {
  const requestId = randomUUID();
  let response: Response;
  try {
    response = await runChecked(request, kind, requestId, handler);
  } catch (error) {
    if (error instanceof GatewayError) {
      response = errorResponse(error);
    } else if (error instanceof GatewayConfigError) {
      console.error(`gateway: ${error.message}`);
      response = json(500, { error: "gateway_misconfigured", message: error.message });
    } else {
      console.error(`gateway: request ${requestId} failed:`, error);
      response = json(500, { error: "internal_error", message: "The gateway failed to handle this request." });
    }
  }
  response.headers.set("X-Request-Id", requestId);
  if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "no-store");
  return response;
}

async function runChecked(
  request: Request,
  kind: RouteKind,
  requestId: string,
  handler: (context: RouteContext) => Promise<Response>,
): Promise<Response> {
  const gateway = await getGateway();
  // Browsers send Origin on cross-site POST/PUT/DELETE; other clients (scripts, curl) send none and need a session.
  const origin = request.headers.get("origin");
  if (STATE_CHANGING.has(request.method) && origin !== null && origin !== gateway.config.origin) {
    throw new GatewayError(
      403,
      "cross_origin",
      `This gateway accepts changes only from ${gateway.config.origin}, not from ${origin.slice(0, 100)}.`,
    );
  }
  const clientIp = clientIpOf(request.headers.get("x-forwarded-for"), gateway.config.trustedProxyHops);
  const refused = await checkRateLimits(kind, request, gateway, clientIp);
  if (refused !== undefined) {
    throw new GatewayError(429, "rate_limited", refused.message, {
      headers: { "Retry-After": String(refused.retryAfter) },
    });
  }
  return handler({ request, gateway, requestId, clientIp });
}
