// POST /api/auth/verify: { message, signature } of a SIWE message → a session cookie (medconsent_session).
import { finishSignIn } from "@/server/gateway/auth/signIn";
import { readJsonBody } from "@/server/gateway/http/body";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { jsonWithCookies } from "@/server/gateway/http/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return handleGateway(request, "signIn", async ({ gateway }) => {
    const { body, cookies } = await finishSignIn(gateway, request, await readJsonBody(request));
    return jsonWithCookies(200, body, cookies);
  });
}
