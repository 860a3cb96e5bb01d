// PUT /api/blobs/{cid}?patient=0x…&category=<0-63>&purpose=<slug>: stores an encrypted record file for that patient
// and category (201 new for this patient, 200 already stored for them). The body is the ciphertext; its SHA-256 must be
// the CID's hash. X-Wrapped-Key may carry the patient's own wrapped key, kept until the record is on chain.
import { TREATMENT } from "@/lib/consentCodes";
import { parsePendingKeyHeader, uploadBlob } from "@/server/gateway/records/blobUpload";
import { handleGateway } from "@/server/gateway/http/pipeline";
import { json } from "@/server/gateway/http/responses";
import { parseAddress, parseCategory, parseCid, parsePurpose } from "@/server/gateway/http/ids";
import { requireSession } from "@/server/gateway/auth/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function PUT(request: Request, { params }: { params: Promise<{ cid: string }> }) {
  return handleGateway(request, "api", async ({ gateway }) => {
    const session = await requireSession(gateway, request);
    const query = new URL(request.url).searchParams;
    const upload = {
      cid: parseCid((await params).cid),
      uploader: session.address,
      patient: parseAddress(query.get("patient"), "patient"),
      category: parseCategory(query.get("category")),
      purpose: parsePurpose(query.get("purpose"), TREATMENT),
      pendingKey: parsePendingKeyHeader(request.headers.get("x-wrapped-key")),
    };
    const { created, body } = await uploadBlob(gateway, upload, request);
    return json(created ? 201 : 200, body);
  });
}
