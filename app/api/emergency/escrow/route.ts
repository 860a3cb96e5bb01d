// GET /api/emergency/escrow: the emergency escrow's address and public key, so a patient's portal can wrap escrow copies
// for it (after checking the key against KeyDirectory.encryptionKeyOf(address) on chain). Public: no session needed.
import { escrowRecipient } from "@/server/gateway/emergency/emergencyAccess";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleGateway(request, "api", async ({ gateway }) => json(200, escrowRecipient(gateway)));
}
