// PUT /api/records/{patient}/{recordId}/keys/{recipient} { wrappedKey }: stores a record key wrapped for one reader
// (201 created, 200 replaced). Only the patient or the record's author; only to the patient or a consented reader.
import { noteRecordSeen } from "../../../../../../_server/gateway/blobBindings";
import { readJsonBody } from "../../../../../../_server/gateway/body";
import { handleGateway, json } from "../../../../../../_server/gateway/http";
import { parseAddress, parseRecordId } from "../../../../../../_server/gateway/ids";
import { parseWrappedKeyBody, storeWrappedKey } from "../../../../../../_server/gateway/recordAccess";
import { requireSession } from "../../../../../../_server/gateway/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { patient: string; recordId: string; recipient: string };

export function PUT(request: Request, { params }: { params: Promise<Params> }) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway.db, request);
    const { patient, recordId, recipient } = await params;
    const key = {
      caller: session.address,
      patient: parseAddress(patient, "patient"),
      recordId: parseRecordId(recordId),
      recipient: parseAddress(recipient, "recipient"),
      wrappedKey: parseWrappedKeyBody(await readJsonBody(request)),
    };
    const { created } = await storeWrappedKey(gateway, key);
    // The patient's own key is the portal's last upload step: the record is on chain, so its file is referenced.
    if (key.recipient === key.patient) await noteRecordSeen(gateway, key.patient, key.recordId);
    return json(created ? 201 : 200, {
      patient: key.patient,
      recordId: key.recordId.toString(),
      recipient: key.recipient,
    });
  });
}
