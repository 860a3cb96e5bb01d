// The gateway's one error type: each refusal has a status, a code and plain words, rendered once by handleGateway as
// JSON { error, message [, reason] } or, on the FHIR routes, as an OperationOutcome.
import "server-only";

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { reason?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

export const badRequest = (message: string, code = "bad_request") => new GatewayError(400, code, message);

export const notSignedIn = () =>
  new GatewayError(401, "not_signed_in", "Sign in with your wallet first (your session is missing or has ended).");

export const forbidden = (message: string, code = "forbidden", reason?: string) =>
  new GatewayError(403, code, message, { reason });

export const notFound = (code: string, message: string) => new GatewayError(404, code, message);

export const tooLarge = (limit: number) =>
  new GatewayError(413, "too_large", `The body is too large: at most ${limit} bytes.`);

/** A list the indexer serves (INDEXER_URL) could not be read: no list is served half-made, and nothing is decided. */
export const indexerUnavailable = () =>
  new GatewayError(
    503,
    "indexer_unavailable",
    "The gateway cannot reach its indexer to list this history right now. Try again shortly.",
  );

/** Fail closed: when the chain cannot answer, nothing is decided, stored or served. */
export const chainUnavailable = () =>
  new GatewayError(
    503,
    "chain_unavailable",
    "The gateway cannot reach the blockchain to check consent right now, so it serves and stores nothing. Try again shortly.",
  );
