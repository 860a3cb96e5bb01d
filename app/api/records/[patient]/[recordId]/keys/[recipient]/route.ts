// PUT /api/records/{patient}/{recordId}/keys/{recipient} { wrappedKey }: stores a record key wrapped for one reader
// (201 created, 200 replaced or unchanged). Only the patient, or the record's author while its consent covers the
// category with APPEND; only to the patient or a consented reader; only the patient replaces the patient's own key.
// GET: the current key and the versions it replaced, to the patient.
import { noteRecordSeen } from "@/server/gateway/storage/blobBindings";
import { readJsonBody } from "@/server/gateway/http/body";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";
import { parseAddress, parseRecordId } from "@/server/gateway/http/ids";
import { parseWrappedKeyBody, storeWrappedKey, wrappedKeyHistory } from "@/server/gateway/records/recordAccess";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { patient: string; recordId: string; recipient: string };

export function PUT(request: Request, { params }: { params: Promise<Params> }) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
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

export function GET(request: Request, { params }: { params: Promise<Params> }) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const { patient, recordId, recipient } = await params;
    return json(
      200,
      await wrappedKeyHistory(gateway, {
        caller: session.address,
        patient: parseAddress(patient, "patient"),
        recordId: parseRecordId(recordId),
        recipient: parseAddress(recipient, "recipient"),
      }),
    );
  });
}
