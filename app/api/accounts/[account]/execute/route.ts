// POST /api/accounts/{account}/execute: relays the signed-in passkey account's signed batch (executeBySig) to
// MedConsent's own contracts, paid by the relayer within the relay's quotas and gas budget.
import { EXECUTE_MAX_BODY_BYTES, parseSignedExecution } from "@/server/gateway/accounts/accountRequest";
import { executeForAccount } from "@/server/gateway/accounts/patientAccounts";
import { requireSession } from "@/server/gateway/auth/sessions";
import { readJsonBody } from "@/server/gateway/http/body";
import { parseAddress } from "@/server/gateway/http/ids";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request, { params }: { params: Promise<{ account: string }> }) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const account = parseAddress((await params).account, "account");
    const execution = parseSignedExecution(await readJsonBody(request, EXECUTE_MAX_BODY_BYTES));
    return json(200, await executeForAccount(gateway, session, account, execution));
  });
}
