// GET /api/fhir/metadata: the CapabilityStatement (public, no sign-in).
import { capabilityStatement } from "@/lib/fhir/capability";
import { errorAsOperationOutcome, fhirResponse } from "@/server/fhir/responses";
import { handleGateway } from "@/server/gateway/http/pipeline";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleGateway(
    request,
    "api",
    async ({ gateway }) =>
      fhirResponse(capabilityStatement({ origin: gateway.config.origin, date: new Date().toISOString() })),
    errorAsOperationOutcome,
  );
}
