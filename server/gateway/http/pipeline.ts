// The one wrapper every gateway route runs through: request id, cross-origin check, rate limits, and every refusal
// rendered once, as the gateway's JSON or (the FHIR routes) an OperationOutcome. Route handlers stay thin: parse, call
// a gateway function, respond.
import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { GatewayConfigError } from "@/server/gateway/config";
import { getGateway, type Gateway } from "@/server/gateway/context";
import { readCookie } from "./cookies";
import { clientIpOf } from "./clientAddress";
import { GatewayError } from "./errors";
import { errorAsJson, type ErrorRenderer } from "./responses";
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

/** The refusal an error becomes: a GatewayError as it is, anything else a 500 (logged, its details not sent). */
function asGatewayError(error: unknown, requestId: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof GatewayConfigError) {
    console.error(`gateway: ${error.message}`);
    return new GatewayError(500, "gateway_misconfigured", error.message);
  }
  console.error(`gateway: request ${requestId} failed:`, error);
  return new GatewayError(500, "internal_error", "The gateway failed to handle this request.");
}

/**
 * Runs one gateway request; any refusal is rendered by `renderError` (the gateway's JSON unless the route says
 * otherwise). Every response carries X-Request-Id and Cache-Control: no-store.
 */
export async function handleGateway(
  request: Request,
  kind: RouteKind,
  handler: (context: RouteContext) => Promise<Response>,
  renderError: ErrorRenderer = errorAsJson,
): Promise<Response> {
  const requestId = randomUUID();
  let response: Response;
  try {
    response = await runChecked(request, kind, requestId, handler);
  } catch (error) {
    response = renderError(asGatewayError(error, requestId));
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
