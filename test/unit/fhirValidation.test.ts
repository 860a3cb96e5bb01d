// Every kind of resource the FHIR endpoints produce, validated against HL7's official R4 JSON schema (test/helpers/
// fhirSchema.ts): Consents in every state, the emergency Consent, both kinds of AuditEvent, the CapabilityStatement,
// the searchset Bundle and the OperationOutcome. The gateway suite (test/gateway/fhir.ts) does the same on seeded data.
import { expect } from "chai";
import type { FhirResource } from "fhir/r4";
import { getAddress, type Hex } from "viem";
import { ALL_CATEGORIES, APPEND, READ, RESEARCH, TREATMENT } from "@/lib/consentCodes";
import { consentAuditEvent, disclosureAuditEvent, type AuditContext } from "@/lib/fhir/auditEvent";
import { capabilityStatement } from "@/lib/fhir/capability";
import { toEmergencyConsent, toFhirConsent } from "@/lib/fhir/consent";
import { searchsetBundle } from "@/server/fhir/bundle";
import { operationOutcome } from "@/server/fhir/responses";
import { expectValidBundle, expectValidFhir, fhirSchemaErrors, loadFhirSchema } from "@/test/helpers/fhirSchema";

const PATIENT = getAddress("0x976EA74026E726554dB657fA54763abd0C3a0aa9");
const GRANTEE = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
const GUARDIAN = getAddress("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f");
const LEDGER = { chainId: 31337, consentRegistry: getAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3") };
const TX = `0x${"ab".repeat(32)}` as Hex;
const NOW = 1_750_000_000;
const ORIGIN = "http://127.0.0.1:3000";

const context: AuditContext = {
  ...LEDGER,
  recordRegistry: getAddress("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"),
  disclosureLog: getAddress("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"),
  gatewayOrigin: ORIGIN,
  nameOf: (address) => (address === GRANTEE ? "Northside Family Practice" : undefined),
};

describe("FHIR validation against the HL7 R4 JSON schema", function () {
  this.timeout(120_000);
  before(loadFhirSchema);

  it("the validator itself refuses invalid resources", function () {
    expect(fhirSchemaErrors({ resourceType: "Consent", status: "active" }), "scope and category missing").to.be.a(
      "string",
    );
    expect(fhirSchemaErrors({ resourceType: "Consent", id: "bad_id!", status: "active" })).to.be.a("string");
    const consent = toFhirConsent({
      ledger: LEDGER,
      consent: {
        patient: PATIENT,
        grantee: GRANTEE,
        categories: 16n,
        actions: READ,
        purposes: TREATMENT,
        grantedAt: NOW,
        expiresAt: NOW + 1,
        state: "active",
        summary: "x",
      },
      grantee: { name: "n", kind: 1 },
    });
    expect(fhirSchemaErrors({ ...consent, unknownField: 1 }), "unknown field").to.be.a("string");
    expect(fhirSchemaErrors({ ...consent, status: "live" }), "unknown status").to.be.a("string");
  });

  it("Consents in every state, with every category, action and purpose, and the emergency Consent", function () {
    const resources: FhirResource[] = [];
    for (const state of ["active", "expiring", "expired", "revoked"] as const) {
      for (const revocation of [
        undefined,
        { method: "revoke-all" as const, at: NOW, by: PATIENT, transactionHash: TX },
      ]) {
        resources.push(
          toFhirConsent({
            ledger: LEDGER,
            consent: {
              patient: PATIENT,
              grantee: GRANTEE,
              categories: ALL_CATEGORIES,
              actions: READ | APPEND,
              purposes: 63,
              grantedAt: NOW - 100,
              expiresAt: NOW + 100,
              state,
              summary: "may read & add <everything> for every purpose",
            },
            grantee: { name: "Dr. O'Neil & Partners", kind: 0 },
            grantedBy: GUARDIAN,
            revocation: state === "revoked" ? revocation : undefined,
          }),
        );
      }
    }
    for (const closedAt of [undefined, NOW]) {
      resources.push(
        toEmergencyConsent({
          ledger: LEDGER,
          patient: PATIENT,
          grantee: GRANTEE,
          provider: { name: "", kind: 1 },
          usedAt: NOW - 10,
          expiresAt: NOW + 86_400,
          reasonHash: TX,
          transactionHash: TX,
          closedAt,
          now: NOW,
        }),
      );
    }
    resources.forEach((resource, i) => expectValidFhir(resource, `Consent ${i}`));
    expectValidBundle(searchsetBundle(ORIGIN, "Consent", new URLSearchParams({ patient: PATIENT }), resources));
  });

  it("AuditEvents of disclosures (with and without Merkle evidence) and of every consent event", function () {
    const base = { patient: PATIENT, blockNumber: 12n, logIndex: 0, transactionHash: TX, timestamp: NOW };
    const events: FhirResource[] = [
      disclosureAuditEvent(context, {
        id: 7,
        seq: 1,
        decisionBlock: 11,
        reader: GRANTEE,
        patient: PATIENT,
        recordId: "2",
        purpose: TREATMENT,
        servedAt: NOW,
        requestId: "0b6f5c1e-3f7a-4a4e-9d43-0e4d8c3b1a2f",
        anchor: { root: TX, proof: [TX, TX], fromSeq: 1, toSeq: 3, txHash: TX },
      }),
      disclosureAuditEvent(context, {
        id: 8,
        seq: null,
        decisionBlock: 12,
        reader: PATIENT,
        patient: PATIENT,
        recordId: "1",
        purpose: RESEARCH,
        servedAt: NOW,
        requestId: "0b6f5c1e-3f7a-4a4e-9d43-0e4d8c3b1a30",
        anchor: null,
      }),
      consentAuditEvent(context, {
        ...base,
        name: "ConsentGranted",
        grantee: GRANTEE,
        categories: 16n,
        actions: READ,
        purposes: TREATMENT,
        expiresAt: NOW + 10,
        by: GUARDIAN,
      }),
      consentAuditEvent(context, { ...base, name: "ConsentRevoked", grantee: GRANTEE, by: PATIENT }),
      consentAuditEvent(context, { ...base, name: "AllConsentsRevoked", epoch: 1 }),
      consentAuditEvent(context, {
        ...base,
        name: "EmergencyAccessUsed",
        grantee: GRANTEE,
        reasonHash: TX,
        expiresAt: NOW + 86_400,
      }),
      consentAuditEvent(context, { ...base, name: "EmergencyAccessSet", allowed: false }),
      consentAuditEvent(context, { ...base, name: "DelegateSet", delegate: GUARDIAN, allowed: true }),
    ];
    events.forEach((event, i) => expectValidFhir(event, `AuditEvent ${i}`));
    expectValidBundle(searchsetBundle(ORIGIN, "AuditEvent", new URLSearchParams({ patient: PATIENT }), events));
  });

  it("the CapabilityStatement, an empty searchset and the OperationOutcome of every error status", function () {
    expectValidFhir(capabilityStatement({ origin: ORIGIN, date: new Date(NOW * 1000).toISOString() }));
    expectValidBundle(searchsetBundle(ORIGIN, "Consent", new URLSearchParams(), []));
    // Current to a block: its time as meta.lastUpdated.
    const current = searchsetBundle(ORIGIN, "Consent", new URLSearchParams(), [], NOW, NOW - 2);
    expectValidBundle(current);
    expect(current.meta?.lastUpdated).to.equal(new Date((NOW - 2) * 1000).toISOString().replace(".000Z", "Z"));
    for (const status of [400, 401, 403, 404, 429, 500, 503]) {
      expectValidFhir(operationOutcome(status, "some_code", "In plain words."), `OperationOutcome ${status}`);
    }
  });
});
