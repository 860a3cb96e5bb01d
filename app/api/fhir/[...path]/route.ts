// Any other /api/fhir path: an OperationOutcome 404, as a FHIR client expects, instead of the portal's HTML page.
import { handleFhir } from "@/server/fhir/responses";
import { notFound } from "@/server/gateway/http/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleFhir(request, async () => {
    throw notFound(
      "not_supported",
      "This FHIR server supports only metadata, Consent (read, search) and AuditEvent (search).",
    );
  });
}
