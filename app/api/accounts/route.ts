// POST /api/accounts: the sponsored deployment of the signed-in passkey account (once per passkey, within the relay's
// quotas); GET /api/accounts?credentialId=…: the account a passkey's credential id belongs to, for a new browser.
import { parseAccountRegistration, parseCredentialId } from "@/server/gateway/accounts/accountRequest";
import { deployAccount, findAccountByCredential } from "@/server/gateway/accounts/patientAccounts";
import { requireSession } from "@/server/gateway/auth/sessions";
import { readJsonBody } from "@/server/gateway/http/body";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return handleGateway(request, "api", async ({ gateway, clientIp }) => {
    const session = await requireSession(gateway, request);
    const registration = parseAccountRegistration(await readJsonBody(request, 4_096));
    const { status, body } = await deployAccount(gateway, session, registration, clientIp);
    return json(status, body);
  });
}

export function GET(request: Request) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const credentialId = parseCredentialId(new URL(request.url).searchParams.get("credentialId") ?? undefined);
    return json(200, await findAccountByCredential(gateway, credentialId));
  });
}
