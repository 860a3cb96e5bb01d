// GET /api/auth/nonce: a single-use Sign-In with Ethereum nonce, bound to this browser (medconsent_siwe cookie).
import { startSignIn } from "@/server/gateway/auth/signIn";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { jsonWithCookies } from "@/server/gateway/http/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleGateway(request, "auth", async ({ gateway }) => {
    const { body, cookies } = await startSignIn(gateway, request);
    return jsonWithCookies(200, body, cookies);
  });
}
