// GET /api/fhir/AuditEvent?patient=0x…: the patient's disclosures and consent events as AuditEvents (patient only).
import { errorAsOperationOutcome, fhirAnswerResponse } from "@/server/fhir/responses";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { searchAuditEvents } from "@/server/fhir/search";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleGateway(
    request,
    "api",
    async ({ gateway }) => {
      const session = await requireSession(gateway, request);
      return fhirAnswerResponse(await searchAuditEvents(gateway, session, new URL(request.url).searchParams));
    },
    errorAsOperationOutcome,
  );
}
