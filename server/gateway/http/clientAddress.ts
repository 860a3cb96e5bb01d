// The client's network address, the one key every per-address rate limit counts under.
import "server-only";

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
