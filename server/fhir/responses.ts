// The FHIR routes' wrapper: the gateway's own machinery (request id, rate limits, sessions, fail closed 503), with every
// refusal turned into an OperationOutcome of the same status, and resources sent as application/fhir+json.
import "server-only";
import type { OperationOutcome, OperationOutcomeIssue, Resource } from "fhir/r4";
import { FHIR_JSON } from "@/lib/fhir/capability";
import { GATEWAY_ERROR_SYSTEM } from "@/lib/fhir/codes";
import { handleGateway, type RouteContext } from "@/server/gateway/http/pipeline";

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

/** The gateway's JSON refusal `{ error, message }` as an OperationOutcome, keeping its status and headers. */
async function asOperationOutcome(response: Response): Promise<Response> {
  let code = "error";
  let message = "The request failed.";
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === "string") code = body.error;
    if (typeof body.message === "string") message = body.message;
  } catch {
    // Not the gateway's JSON: keep the generic words.
  }
  const headers = new Headers(response.headers);
  headers.set("Content-Type", FHIR_CONTENT_TYPE);
  headers.delete("Content-Length");
  return new Response(JSON.stringify(operationOutcome(response.status, code, message)), {
    status: response.status,
    headers,
  });
}

/** Runs one FHIR request through handleGateway; any refusal comes back as an OperationOutcome. */
export async function handleFhir(
  request: Request,
  handler: (context: RouteContext) => Promise<Response>,
): Promise<Response> {
  const response = await handleGateway(request, "api", handler);
  return response.status >= 400 ? asOperationOutcome(response) : response;
}
