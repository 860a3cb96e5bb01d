// Any other /api/fhir path: an OperationOutcome 404, as a FHIR client expects, instead of the portal's HTML page.
import { errorAsOperationOutcome } from "@/server/fhir/responses";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { notFound } from "@/server/gateway/http/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleGateway(
    request,
    "api",
    async () => {
      throw notFound(
        "not_supported",
        "This FHIR server supports only metadata, Consent (read, search) and AuditEvent (search).",
      );
    },
    errorAsOperationOutcome,
  );
}
