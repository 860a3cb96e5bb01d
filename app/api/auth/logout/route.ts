// POST /api/auth/logout: ends the session (204) and clears its cookie.
import { signOut } from "@/server/gateway/auth/signIn";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { noContentWithCookies } from "@/server/gateway/http/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return handleGateway(request, "session", async ({ gateway }) =>
    noContentWithCookies(await signOut(gateway, request)),
  );
}
