// Response builders for the route handlers.
import "server-only";
import { json } from "./pipeline";

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
