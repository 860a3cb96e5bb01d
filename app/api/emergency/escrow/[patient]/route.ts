// GET /api/emergency/escrow/{patient}: which of the patient's records have an emergency copy (ids only, patient only).
// DELETE: the patient withdraws every emergency copy, as the portal does right after turning emergency access off.
import { listEscrowCopies, withdrawEscrowCopies } from "@/server/gateway/emergency/emergencyAccess";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";
import { parseAddress } from "@/server/gateway/http/ids";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { params: Promise<{ patient: string }> };

export function GET(request: Request, { params }: Params) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const patient = parseAddress((await params).patient, "patient");
    return json(200, await listEscrowCopies(gateway, session.address, patient));
  });
}

export function DELETE(request: Request, { params }: Params) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const patient = parseAddress((await params).patient, "patient");
    return json(200, await withdrawEscrowCopies(gateway, session.address, patient));
  });
}
