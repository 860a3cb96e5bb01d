// GET /api/records/{patient}/keys: the patient's own wrapped record keys (patient only), for re-wrapping after a grant.
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";
import { parseAddress } from "@/server/gateway/http/ids";
import { ownKeys } from "@/server/gateway/records/recordAccess";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request, { params }: { params: Promise<{ patient: string }> }) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const patient = parseAddress((await params).patient, "patient");
    return json(200, await ownKeys(gateway, session.address, patient));
  });
}
