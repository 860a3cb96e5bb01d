// GET /api/auth/session: who is signed in (401 not_signed_in when nobody).
import { currentSession } from "@/server/gateway/auth/signIn";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleGateway(request, "session", async ({ gateway }) => json(200, await currentSession(gateway, request)));
}
