// The FHIR routes' responses: resources as application/fhir+json, and every refusal of the gateway's pipeline (request
// id, rate limits, sessions, fail closed 503) rendered as an OperationOutcome of the same status.
import "server-only";
import type { OperationOutcome, OperationOutcomeIssue, Resource } from "fhir/r4";
import { FHIR_JSON } from "@/lib/fhir/capability";
import { GATEWAY_ERROR_SYSTEM } from "@/lib/fhir/codes";
import type { ErrorRenderer } from "@/server/gateway/http/responses";

export const FHIR_CONTENT_TYPE = `${FHIR_JSON}; charset=utf-8`;

/** The header that says which block an answer's chain data is current to (the indexer's, or the latest scanned). */
export const CURRENT_TO_BLOCK_HEADER = "X-Current-To-Block";

/** A FHIR resource as the response body; with `currentTo`, the block its chain data is current to in a header. */
export function fhirResponse(resource: Resource, status = 200, currentTo?: { blockNumber: bigint }): Response {
  const headers: Record<string, string> = { "Content-Type": FHIR_CONTENT_TYPE };
  if (currentTo !== undefined) headers[CURRENT_TO_BLOCK_HEADER] = currentTo.blockNumber.toString();
  return new Response(JSON.stringify(resource), { status, headers });
}

/** A FHIR answer built from chain lists, with the block it is current to. */
export const fhirAnswerResponse = (answer: { resource: Resource; currentTo: { blockNumber: bigint } }) =>
  fhirResponse(answer.resource, 200, answer.currentTo);

/** The IssueType of each status the gateway answers with. */
function issueCodeOf(status: number): OperationOutcomeIssue["code"] {
  if (status === 400 || status === 413) return "invalid";
  if (status === 401 || status === 403) return "security";
  if (status === 404) return "not-found";
  if (status === 429) return "throttled";
  if (status === 503) return "transient";
  return "exception";
}

export function operationOutcome(status: number, code: string, diagnostics: string): OperationOutcome {
  return {
    resourceType: "OperationOutcome",
    issue: [
      {
        severity: status >= 500 ? "fatal" : "error",
        code: issueCodeOf(status),
        details: { coding: [{ system: GATEWAY_ERROR_SYSTEM, code }], text: diagnostics },
        diagnostics,
      },
    ],
  };
}

/** A refusal as an OperationOutcome of the same status, with its headers (e.g. Retry-After): the FHIR routes' renderer. */
export const errorAsOperationOutcome: ErrorRenderer = (error) =>
  new Response(JSON.stringify(operationOutcome(error.status, error.code, error.message)), {
    status: error.status,
    headers: { ...error.extra.headers, "Content-Type": FHIR_CONTENT_TYPE },
  });
