// The CapabilityStatement of GET /api/fhir/metadata: what this read-only FHIR R4 server supports.
import type { CapabilityStatement } from "fhir/r4";

export const FHIR_VERSION = "4.0.1";
export const FHIR_JSON = "application/fhir+json";

export function capabilityStatement(options: { origin: string; date: string; version?: string }): CapabilityStatement {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: options.date,
    publisher: "MedConsent",
    kind: "instance",
    software: { name: "MedConsent gateway", ...(options.version === undefined ? {} : { version: options.version }) },
    implementation: {
      description: "MedConsent: patient consents and record disclosures from the chain, read-only",
      url: `${options.origin}/api/fhir`,
    },
    fhirVersion: FHIR_VERSION,
    format: ["json", FHIR_JSON],
    rest: [
      {
        mode: "server",
        documentation:
          "Read-only. Consents and audit events are built from the chain and the gateway's disclosure log.",
        security: {
          description:
            "Sign in with Ethereum (POST /api/auth/verify) for a session cookie. A patient sees their own Consents and " +
            "AuditEvents; a provider with a live READ consent sees only its own Consent. metadata needs no sign-in.",
        },
        resource: [
          {
            type: "Consent",
            interaction: [{ code: "read" }, { code: "search-type" }],
            searchParam: [
              {
                name: "patient",
                type: "reference",
                documentation: "Required: the patient's 0x address.",
              },
              { name: "actor", type: "reference", documentation: "The grantee's 0x address." },
              { name: "status", type: "token", documentation: "active | inactive" },
            ],
          },
          {
            type: "AuditEvent",
            interaction: [{ code: "search-type" }],
            searchParam: [{ name: "patient", type: "reference", documentation: "Required: the patient's 0x address." }],
          },
        ],
      },
    ],
  };
}
