// POST /api/disclosures/anchor[?force=true]: anchors the pending disclosures on chain now. Any signed-in account may
// ask, but on-demand anchors are debounced to one transaction per interval whoever asks; only an operator
// (GATEWAY_OPERATORS) may force one.
import { anchorDisclosures } from "@/server/gateway/chain/disclosureAnchor";
import { badRequest, forbidden } from "@/server/gateway/http/errors";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

function parseForce(text: string | null): boolean {
  if (text === null || text === "false") return false;
  if (text === "true") return true;
  throw badRequest("?force must be true or false.");
}

export function POST(request: Request) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const force = parseForce(new URL(request.url).searchParams.get("force"));
    if (force && !gateway.config.operators.includes(session.address)) {
      throw forbidden(
        "Only an operator of this gateway can force an anchor; anyone may ask without ?force, at most once an interval.",
        "not_operator",
      );
    }
    return json(200, await anchorDisclosures(gateway, force ? "forced" : "on-demand"));
  });
}
