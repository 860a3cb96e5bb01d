// POST /api/auth/logout: ends the session (204) and clears its cookie.
import { signOut } from "../../../_server/gateway/auth";
import { handleGateway } from "../../../_server/gateway/http";
import { noContentWithCookies } from "../../../_server/gateway/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return handleGateway(request, "session", async ({ gateway }) =>
    noContentWithCookies(await signOut(gateway, request)),
  );
}
