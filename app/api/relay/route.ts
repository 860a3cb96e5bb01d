// POST /api/relay: submits a patient's signed grantConsentBySig or revokeConsentBySig, so the patient pays no gas.
// Request, responses and status codes are described in app/_server/relay.ts and the README.
import { relay } from "../../_server/relay";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const MAX_BODY_CHARS = 8_192;

/** The client's IP as the proxy in front of this server reports it; behind no proxy, all clients share "local". */
function clientIpOf(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || request.headers.get("x-real-ip") || "local";
}

export async function POST(request: Request) {
  const text = await request.text();
  if (text.length > MAX_BODY_CHARS) {
    return Response.json(
      { error: "bad_request", message: `The body is too large (at most ${MAX_BODY_CHARS} characters).` },
      { status: 400 },
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return Response.json(
      { error: "bad_request", message: 'The body is not valid JSON. Send { "function": "...", "args": { ... } }.' },
      { status: 400 },
    );
  }
  const result = await relay(body, clientIpOf(request));
  return Response.json(result.body, { status: result.status, headers: result.headers });
}
