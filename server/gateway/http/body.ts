// Request bodies read with a size cap: the Content-Length header is checked first, then the stream is read chunk by
// chunk and abandoned as soon as it passes the cap, so an oversized upload is never held in memory.
import "server-only";
import { badRequest, tooLarge } from "./errors";

/** The declared Content-Length, if any: 413 before anything is read when it is over the limit. */
export function declaredLength(request: Request, limit: number): number | undefined {
  const declared = request.headers.get("content-length");
  if (declared === null) return undefined;
  if (!/^\d+$/.test(declared)) throw badRequest("The Content-Length header is not a number.");
  if (Number(declared) > limit) throw tooLarge(limit);
  return Number(declared);
}

/** The body's bytes; 413 too_large once it is longer than `limit` bytes. */
export async function readBodyCapped(request: Request, limit: number): Promise<Uint8Array> {
  declaredLength(request, limit);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A small JSON body (at most `limit` bytes); 400 bad_request unless it parses. */
export async function readJsonBody(request: Request, limit = 16_384): Promise<unknown> {
  const bytes = await readBodyCapped(request, limit);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw badRequest("The body must be JSON (UTF-8).");
  }
}
