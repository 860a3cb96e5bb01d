// The FHIR routes' responses: resources as application/fhir+json, and every refusal of the gateway's pipeline (request
// id, rate limits, sessions, fail closed 503) rendered as an OperationOutcome of the same status.
import "server-only";
import type { OperationOutcome, OperationOutcomeIssue, Resource } from "fhir/r4";
import { FHIR_JSON } from "@/lib/fhir/capability";
import { GATEWAY_ERROR_SYSTEM } from "@/lib/fhir/codes";
import type { ErrorRenderer } from "@/server/gateway/http/responses";

export const FHIR_CONTENT_TYPE = `${FHIR_JSON}; charset=utf-8`;

/** A FHIR resource as the response body. */
export function fhirResponse(resource: Resource, status = 200): Response {
  return new Response(JSON.stringify(resource), { status, headers: { "Content-Type": FHIR_CONTENT_TYPE } });
}

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
