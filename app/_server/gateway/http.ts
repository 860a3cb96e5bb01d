// The one wrapper every gateway route runs through: request id, cross-origin check, rate limits, and JSON errors.
// Route handlers stay thin: parse, call a gateway function, respond.
import { createHash, randomUUID } from "node:crypto";
import { startBackgroundJobs } from "./backgroundJobs";
import { GatewayConfigError } from "./config";
import { getGateway, type Gateway } from "./context";
import { readCookie, SESSION_COOKIE } from "./cookies";
import { GatewayError } from "./errors";

export interface RouteContext {
  request: Request;
  gateway: Gateway;
  /** A UUID, sent back as X-Request-Id and logged with any disclosure. */
  requestId: string;
  clientIp: string;
}

export type RouteKind = "auth" | "api";

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

function rateLimitKeys(kind: RouteKind, request: Request, clientIp: string): string[] {
  if (kind === "auth") return [`auth-ip:${clientIp}`];
  const keys = [`ip:${clientIp}`];
  const session = readCookie(request, SESSION_COOKIE);
  if (session !== undefined) keys.push(`session:${createHash("sha256").update(session).digest("base64url")}`);
  return keys;
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
  startBackgroundJobs(gateway);
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
  const limiter = kind === "auth" ? gateway.authLimiter : gateway.limiter;
  let limited = limiter.take(rateLimitKeys(kind, request, clientIp));
  if (limited.allowed && kind === "auth") limited = gateway.authCeiling.take(["all"]);
  if (!limited.allowed) {
    const perMinute = kind === "auth" ? gateway.config.authRateLimit : gateway.config.rateLimit;
    throw new GatewayError(
      429,
      "rate_limited",
      `Too many requests: at most ${perMinute} a minute. Try again in ${limited.retryAfter} seconds.`,
      { headers: { "Retry-After": String(limited.retryAfter) } },
    );
  }
  return handler({ request, gateway, requestId, clientIp });
}
