// The FHIR interactions: Consent search and read, AuditEvent search. Each checks the session and the access rule,
// then builds the resources from the chain (and the disclosure log).
import "server-only";
import type { AuditEvent, Bundle, Consent } from "fhir/r4";
import type { Address } from "viem";
import { consentAuditEvent, disclosureAuditEvent, type AuditContext } from "@/lib/fhir/auditEvent";
import { parseConsentId } from "@/lib/fhir/ids";
import type { Gateway } from "@/server/gateway/context";
import { listDisclosures } from "@/server/gateway/storage/disclosures";
import { badRequest, forbidden, notFound } from "@/server/gateway/http/errors";
import { parseAddress } from "@/server/gateway/http/ids";
import type { Session } from "@/server/gateway/auth/sessions";
import { consentViewOf, requirePatient } from "./access";
import { searchsetBundle } from "./bundle";
import { consentEventsOf, currentToOf, providerFacts, type AnswerCurrentTo } from "./chain";
import { patientConsents } from "./consents";

/** The most disclosures one AuditEvent search returns (the newest). */
export const MAX_DISCLOSURE_EVENTS = 1000;

const actorAddressOf = (consent: Consent) =>
  consent.provision?.actor?.[0]?.reference?.identifier?.value as Address | undefined;

function parseStatus(text: string | null): "active" | "inactive" | undefined {
  if (text === null || text === "") return undefined;
  if (text !== "active" && text !== "inactive") {
    throw badRequest(`Unknown Consent status "${text.slice(0, 40)}": use active or inactive.`);
  }
  return text;
}

/** A FHIR answer and the block its chain data is current to (the route says it in X-Current-To-Block). */
export interface FhirAnswer<T> {
  resource: T;
  currentTo: AnswerCurrentTo;
}

/** GET /api/fhir/Consent?patient=0x…[&actor=0x…][&status=active|inactive] */
export async function searchConsents(
  gateway: Gateway,
  session: Session,
  query: URLSearchParams,
): Promise<FhirAnswer<Bundle>> {
  const patient = parseAddress(query.get("patient"), "patient");
  const actorText = query.get("actor");
  const actor = actorText === null ? undefined : parseAddress(actorText, "actor");
  const status = parseStatus(query.get("status"));
  const view = await consentViewOf(gateway, session.address, patient);
  const { consents, currentTo } = await patientConsents(gateway, patient);
  const matches = consents.filter((consent) => {
    const grantee = actorAddressOf(consent);
    // A grantee sees its own consent, never its emergency access or anyone else's consent.
    if (view.kind === "grantee" && (grantee !== view.grantee || consent.id!.startsWith("emergency-"))) return false;
    if (actor !== undefined && grantee !== actor) return false;
    return status === undefined || consent.status === status;
  });
  const search = new URLSearchParams({ patient });
  if (actor !== undefined) search.set("actor", actor);
  if (status !== undefined) search.set("status", status);
  return {
    resource: searchsetBundle(gateway.config.origin, "Consent", search, matches, undefined, currentTo.timestamp),
    currentTo,
  };
}

/** GET /api/fhir/Consent/{id} */
export async function readConsent(gateway: Gateway, session: Session, id: string): Promise<FhirAnswer<Consent>> {
  const parsed = parseConsentId(id);
  if (parsed === undefined) throw notFound("not_found", `There is no Consent with the id "${id.slice(0, 80)}".`);
  const view = await consentViewOf(gateway, session.address, parsed.patient);
  if (view.kind === "grantee" && (parsed.emergency || parsed.grantee !== view.grantee)) {
    throw forbidden("A provider can see only its own consent from the patient.");
  }
  const { consents, currentTo } = await patientConsents(gateway, parsed.patient);
  const consent = consents.find((c) => c.id === id);
  if (consent === undefined) throw notFound("not_found", `There is no Consent with the id "${id}".`);
  return { resource: consent, currentTo };
}

/** GET /api/fhir/AuditEvent?patient=0x…: the patient's disclosures and consent events, newest first. */
export async function searchAuditEvents(
  gateway: Gateway,
  session: Session,
  query: URLSearchParams,
): Promise<FhirAnswer<Bundle>> {
  const patient = parseAddress(query.get("patient"), "patient");
  requirePatient(session.address, patient);
  const [disclosures, events] = await Promise.all([
    listDisclosures(gateway.db, patient, { limit: MAX_DISCLOSURE_EVENTS }),
    consentEventsOf(gateway, patient),
  ]);
  const accounts = new Set<Address>([
    ...disclosures.map((d) => d.reader),
    ...events.flatMap((e) => [
      ...("grantee" in e ? [e.grantee] : []),
      ...("by" in e ? [e.by] : []),
      ...("delegate" in e ? [e.delegate] : []),
    ]),
  ]);
  const names = await providerFacts(gateway, accounts);
  const { config } = gateway;
  const context: AuditContext = {
    chainId: config.chainId,
    consentRegistry: config.addresses.consentRegistry,
    recordRegistry: config.addresses.recordRegistry,
    disclosureLog: config.addresses.disclosureLog,
    gatewayOrigin: config.origin,
    nameOf: (address) => names.get(address)?.name || undefined,
  };
  const dated: { at: number; order: number; event: AuditEvent }[] = [
    ...disclosures.map((d) => ({
      at: d.servedAt,
      order: d.id,
      event: disclosureAuditEvent(context, d),
    })),
    ...events.map((e, i) => ({ at: e.timestamp, order: i, event: consentAuditEvent(context, e) })),
  ];
  dated.sort((a, b) => b.at - a.at || b.order - a.order);
  const currentTo = await currentToOf(gateway, [events.currentTo]);
  return {
    resource: searchsetBundle(
      config.origin,
      "AuditEvent",
      new URLSearchParams({ patient }),
      dated.map((d) => d.event),
      undefined,
      currentTo.timestamp,
    ),
    currentTo,
  };
}
