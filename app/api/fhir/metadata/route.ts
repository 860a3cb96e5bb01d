// GET /api/fhir/metadata: the CapabilityStatement (public, no sign-in).
import { capabilityStatement } from "@/lib/fhir/capability";
import { fhirResponse, handleFhir } from "@/server/fhir/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleFhir(request, async ({ gateway }) =>
    fhirResponse(capabilityStatement({ origin: gateway.config.origin, date: new Date().toISOString() })),
  );
}
