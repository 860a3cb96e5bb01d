// GET /api/fhir/Consent?patient=0x…[&actor=0x…][&status=active|inactive]: a searchset Bundle of the patient's
// consents (the patient), or of the caller's own consent (a provider with a live READ consent).
import { errorAsOperationOutcome, fhirAnswerResponse } from "@/server/fhir/responses";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { searchConsents } from "@/server/fhir/search";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleGateway(
    request,
    "api",
    async ({ gateway }) => {
      const session = await requireSession(gateway, request);
      return fhirAnswerResponse(await searchConsents(gateway, session, new URL(request.url).searchParams));
    },
    errorAsOperationOutcome,
  );
}
