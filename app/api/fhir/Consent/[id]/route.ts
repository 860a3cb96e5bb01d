// GET /api/fhir/Consent/{id}: one Consent, under the same access rule as the search.
import { errorAsOperationOutcome, fhirAnswerResponse } from "@/server/fhir/responses";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { readConsent } from "@/server/fhir/search";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleGateway(
    request,
    "api",
    async ({ gateway }) => {
      const session = await requireSession(gateway, request);
      const { id } = await params;
      return fhirAnswerResponse(await readConsent(gateway, session, id));
    },
    errorAsOperationOutcome,
  );
}
