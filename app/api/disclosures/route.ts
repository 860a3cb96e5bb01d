// GET /api/disclosures?patient=0x…[&before=<seq>&limit=<n>]: who read the patient's records (patient only), newest
// first, each with its Merkle proof once anchored on chain.
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";
import { forbidden } from "@/server/gateway/http/errors";
import { listDisclosures } from "@/server/gateway/storage/disclosures";
import { parseAddress, parseListWindow } from "@/server/gateway/http/ids";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const query = new URL(request.url).searchParams;
    const patient = parseAddress(query.get("patient"), "patient");
    if (session.address !== patient) throw forbidden("Only the patient can see who read their records.");
    return json(200, { entries: await listDisclosures(gateway.db, patient, parseListWindow(query)) });
  });
}
