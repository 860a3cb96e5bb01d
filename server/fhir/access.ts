// Who may read which FHIR resources: the patient sees all of theirs; a signed-in provider with a live READ consent of
// the patient sees only its own Consent; anyone else is refused (403), and no session at all is 401.
import "server-only";
import type { Address } from "viem";
import type { Gateway } from "@/server/gateway/context";
import { forbidden } from "@/server/gateway/http/errors";
import { hasLiveReadConsent } from "./chain";

export type ConsentView = { kind: "patient" } | { kind: "grantee"; grantee: Address };

/** What `reader` may see of `patient`'s Consents; 403 when nothing. */
export async function consentViewOf(gateway: Gateway, reader: Address, patient: Address): Promise<ConsentView> {
  if (reader === patient) return { kind: "patient" };
  if (await hasLiveReadConsent(gateway, patient, reader)) return { kind: "grantee", grantee: reader };
  throw forbidden(
    "Only the patient, or a provider the patient has given a live consent to read, can see the patient's consents.",
  );
}

/** AuditEvents (who read what, consent changes) are the patient's alone. */
export function requirePatient(reader: Address, patient: Address): void {
  if (reader !== patient) throw forbidden("Only the patient can see the audit trail of their records and consents.");
}
