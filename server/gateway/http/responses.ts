// Response builders for the route handlers, and the gateway's JSON rendering of a refusal.
import "server-only";
import type { GatewayError } from "./errors";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers });
}

/** How a route renders a refusal (handleGateway renders each one once, with the route's renderer). */
export type ErrorRenderer = (error: GatewayError) => Response;

/** The gateway's refusal as JSON: `{ error, message [, reason] }` with its status and headers. */
export const errorAsJson: ErrorRenderer = (error) => {
  const body: Record<string, string> = { error: error.code, message: error.message };
  if (error.extra.reason !== undefined) body.reason = error.extra.reason;
  return json(error.status, body, error.extra.headers);
};

/** A JSON response that sets cookies (one Set-Cookie header each). */
export function jsonWithCookies(status: number, body: unknown, cookies: string[]): Response {
  const response = json(status, body);
  for (const cookie of cookies) response.headers.append("Set-Cookie", cookie);
  return response;
}

/** 204 No Content that sets cookies. */
export function noContentWithCookies(cookies: string[]): Response {
  const response = new Response(null, { status: 204 });
  for (const cookie of cookies) response.headers.append("Set-Cookie", cookie);
  return response;
}
