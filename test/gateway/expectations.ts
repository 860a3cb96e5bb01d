// Assertions every negative gateway test shares: the status, the JSON `{ error, message }` shape (plus `reason` on a
// chain refusal), a request id, and that no record data came with the answer.
import { expect } from "chai";
import type { GatewayResponse } from "@/harness/gatewayHttpClient";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ErrorBody {
  error: string;
  message: string;
  reason?: string;
}

/** Nothing of a record in the answer: no wrapped key, no content hash, no ciphertext. */
export function expectNothingServed(response: GatewayResponse): void {
  expect(response.headers.get("x-wrapped-key"), "X-Wrapped-Key on a refusal").to.equal(null);
  expect(response.headers.get("x-content-hash"), "X-Content-Hash on a refusal").to.equal(null);
  expect(response.headers.get("x-disclosure-id"), "X-Disclosure-Id on a refusal").to.equal(null);
  expect(response.headers.get("x-decision-block"), "X-Decision-Block on a refusal").to.equal(null);
  expect(response.headers.get("content-type") ?? "").not.to.include("octet-stream");
}

/**
 * The answer is `status` with a JSON `{ error, message }` body, `error` one of `codes` (any code when none are given),
 * an X-Request-Id, and nothing served.
 */
export function expectError(response: GatewayResponse, status: number, ...codes: string[]): ErrorBody {
  expect(response.status, response.describe()).to.equal(status);
  expect(response.headers.get("content-type") ?? "", response.describe()).to.match(/^application\/json/);
  const body = response.json<ErrorBody>();
  expect(body.error, response.describe()).to.be.a("string").and.not.equal("");
  if (codes.length > 0) expect(codes, response.describe()).to.include(body.error);
  expect(body.message, response.describe()).to.be.a("string").and.not.equal("");
  expect(response.headers.get("x-request-id") ?? "", "X-Request-Id").to.match(UUID);
  expectNothingServed(response);
  return body;
}

/** A 403 decided by the chain: `reason` is the checkAccess custom error's name. */
export function expectRefusal(response: GatewayResponse, reason: string): ErrorBody {
  const body = expectError(response, 403);
  expect(body.reason, response.describe()).to.equal(reason);
  expect(["forbidden", reason], response.describe()).to.include(body.error);
  return body;
}

/**
 * A refusal of a malformed request: 400, or 404 when the router itself finds no route (then no JSON is required), or
 * the router's own redirect of a dot segment (`/api/blobs/..` → 308 `/api`) away from every gateway route.
 */
export function expectRejectedId(response: GatewayResponse): void {
  if (response.status === 308 || response.status === 307) {
    const location = response.headers.get("location") ?? "";
    expect(location, response.describe()).not.to.match(/\/api\/(records|blobs)\//);
    expectNothingServed(response);
    return;
  }
  expect([400, 404], response.describe()).to.include(response.status);
  if (response.status === 400) expectError(response, 400);
  expectNothingServed(response);
  expect(response.text()).not.to.match(/root:.*:0:0:/);
}
