// The header a record read must carry, so no other site can make a signed-in browser read (and log) a record.
import "server-only";
import { CLIENT_HEADER } from "@/lib/gatewayHeaders";
import { forbidden } from "./errors";

/**
 * Refuses a request a cross-site page could have triggered (a top-level navigation, an <img>): it must carry
 * X-MedConsent-Client: 1 and must not be marked cross-site by the browser (Sec-Fetch-Site).
 */
export function requireClientHeader(request: Request): void {
  const crossSite = request.headers.get("sec-fetch-site") === "cross-site";
  if (request.headers.get(CLIENT_HEADER) !== "1" || crossSite) {
    throw forbidden(
      `Records are read only by the MedConsent portal or a client that sends the ${CLIENT_HEADER}: 1 header, so a ` +
        "link or an image on another site cannot read one in your name. Nothing was read or logged.",
      "client_header_required",
    );
  }
}
