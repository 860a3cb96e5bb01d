// POST /api/disclosures/anchor: anchors the pending disclosures on chain now (any signed-in user may ask).
import { anchorPendingDisclosures } from "../../../_server/gateway/disclosureAnchor";
import { handleGateway, json } from "../../../_server/gateway/http";
import { requireSession } from "../../../_server/gateway/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return handleGateway(request, "api", async ({ gateway }) => {
    await requireSession(gateway, request);
    return json(200, { anchored: await anchorPendingDisclosures(gateway) });
  });
}
