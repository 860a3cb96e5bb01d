// POST /api/relay: submits the signed-in patient's own signed grantConsentBySig or revokeConsentBySig, so the patient
// pays no gas. Through the gateway's pipeline (client address, rate limits, cross-origin check, JSON errors), with
// the body capped at 8 KiB while it is read; request, quotas and statuses in the README and docs/openapi.yaml.
import { readJsonBody } from "@/server/gateway/http/body";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";
import { relay } from "@/server/gateway/relay/relay";
import { parseRelayRequest, RELAY_MAX_BODY_BYTES } from "@/server/gateway/relay/relayRequest";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const call = parseRelayRequest(await readJsonBody(request, RELAY_MAX_BODY_BYTES));
    return json(200, await relay(gateway, session, call));
  });
}
