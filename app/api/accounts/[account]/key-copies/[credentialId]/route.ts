// PUT /api/accounts/{account}/key-copies/{credentialId}: stores the account's encryption key sealed (in the browser)
// for an added passkey; GET: serves it back to the account's own session, for that passkey to open.
import { parseCredentialId } from "@/server/gateway/accounts/accountRequest";
import { findKeyCopy, KEY_COPY_MAX_BODY_BYTES, parseKeyCopy, storeKeyCopy } from "@/server/gateway/accounts/keyCopies";
import { requireSession } from "@/server/gateway/auth/sessions";
import { readJsonBody } from "@/server/gateway/http/body";
import { parseAddress } from "@/server/gateway/http/ids";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { params: Promise<{ account: string; credentialId: string }> };

export function PUT(request: Request, { params }: Params) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const { account, credentialId } = await params;
    const copy = parseKeyCopy(await readJsonBody(request, KEY_COPY_MAX_BODY_BYTES));
    await storeKeyCopy(gateway, session, parseAddress(account, "account"), parseCredentialId(credentialId), copy);
    return json(200, { stored: true });
  });
}

export function GET(request: Request, { params }: Params) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const { account, credentialId } = await params;
    return json(
      200,
      await findKeyCopy(gateway, session, parseAddress(account, "account"), parseCredentialId(credentialId)),
    );
  });
}
