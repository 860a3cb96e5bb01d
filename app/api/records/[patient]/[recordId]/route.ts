// GET /api/records/{patient}/{recordId}?purpose=<slug>: the record's ciphertext and the reader's wrapped key, when
// the chain says the reader may read it now. Every read is logged (X-Disclosure-Seq) before it is served. Only with
// X-MedConsent-Client: 1, so no cross-site link or image can make a signed-in browser read (and log) a record.
import { handleGateway } from "@/server/gateway/http/pipeline";
import { requireClientHeader } from "@/server/gateway/http/clientHeader";
import { parseAddress, parsePurpose, parseRecordId } from "@/server/gateway/http/ids";
import { readRecord } from "@/server/gateway/records/recordAccess";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request, { params }: { params: Promise<{ patient: string; recordId: string }> }) {
  return handleGateway(request, "api", async ({ gateway, requestId }) => {
    // Before anything is looked up or logged: the purpose in the URL must not be chosen by another site's link.
    requireClientHeader(request);
    const session = await requireSession(gateway, request);
    const { patient, recordId } = await params;
    const purpose = new URL(request.url).searchParams.get("purpose");
    const served = await readRecord(gateway, {
      reader: session.address,
      patient: parseAddress(patient, "patient"),
      recordId: parseRecordId(recordId),
      purpose: purpose === null ? undefined : parsePurpose(purpose),
      requestId,
    });
    return new Response(served.body, { status: 200, headers: served.headers });
  });
}
