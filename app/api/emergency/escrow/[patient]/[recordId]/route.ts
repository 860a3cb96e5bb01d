// PUT /api/emergency/escrow/{patient}/{recordId} { wrappedKey }: the patient's emergency copy of one routine record's
// key, wrapped for the escrow key (201 created, 200 replaced); only while their emergency access is on.
import { readJsonBody } from "@/server/gateway/http/body";
import { storeEscrowCopy } from "@/server/gateway/emergency/emergencyAccess";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";
import { parseAddress, parseRecordId } from "@/server/gateway/http/ids";
import { parseWrappedKeyBody } from "@/server/gateway/records/recordAccess";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function PUT(request: Request, { params }: { params: Promise<{ patient: string; recordId: string }> }) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const { patient, recordId } = await params;
    const copy = {
      caller: session.address,
      patient: parseAddress(patient, "patient"),
      recordId: parseRecordId(recordId),
      wrappedKey: parseWrappedKeyBody(await readJsonBody(request)),
    };
    const { created } = await storeEscrowCopy(gateway, copy);
    return json(created ? 201 : 200, { patient: copy.patient, recordId: copy.recordId.toString() });
  });
}
