// The FHIR R4 endpoints on the demo scene: the stack's node seeded by scripts/seed.ts (through the gateway), a few
// served reads and an anchor, then every resource the endpoints return validated against HL7's R4 JSON schema, the
// mapping checked on the seeded consents, and the access rule (patient, grantee, stranger, revoked, no session).
import { expect } from "chai";
import type { AuditEvent, Bundle, Consent, OperationOutcome } from "fhir/r4";
import { getAddress, type Address } from "viem";
import { demoPersonAt } from "@/lib/demoAccounts";
import { EMERGENCY, READ, ROUTINE_CATEGORIES, TREATMENT } from "@/lib/consentCodes";
import {
  classesToCategories,
  codingsToActions,
  codingsToPurposes,
  REVOCATION_EXTENSION,
  EMERGENCY_EXTENSION,
} from "@/lib/fhir/codes";
import { consentId, emergencyConsentId } from "@/lib/fhir/ids";
import { GatewayClient, type GatewayResponse } from "@/harness/gatewayHttpClient";
import { customNetworkEnv, hardhatAccount, runHardhat } from "@/harness/localNode";
import { expectValidBundle, expectValidFhir, loadFhirSchema } from "@/test/helpers/fhirSchema";
import { UUID } from "./expectations";
import { startGatewayStack, type GatewayStack } from "@/harness/gatewayStack";
import { recordPath } from "@/harness/storedRecords";

const NORTHSIDE = 2;
const ST_MARYS = 3;
const RIVERSIDE = 4;
const RESEARCH_STUDY = 5;
const ALICE = 6;
const BOB = 7;
const GUARDIAN = 8;
const STRANGER = 15;
/** The seed's records of Alice: 1 allergies, 2 lipid panel (lab results), 3 medications. */
const ALICE_ALLERGIES = 1;
const ALICE_LIPID_PANEL = 2;

const address = (index: number): Address => demoPersonAt(index)?.address ?? hardhatAccount(index).address;
const actorOf = (consent: Consent) => consent.provision!.actor![0].reference.identifier!.value;
const extensionValue = (consent: Consent, url: string, part: string) =>
  consent.extension?.find((e) => e.url === url)?.extension?.find((e) => e.url === part);

function expectFhirJson(response: GatewayResponse, status = 200) {
  expect(response.status, response.describe()).to.equal(status);
  expect(response.headers.get("content-type"), response.describe()).to.equal("application/fhir+json; charset=utf-8");
  expect(response.headers.get("x-request-id") ?? "").to.match(UUID);
}

/** An OperationOutcome with `status`, issue code `code` and diagnostics in words, valid FHIR. */
function expectOutcome(response: GatewayResponse, status: number, code: string): OperationOutcome {
  expectFhirJson(response, status);
  const outcome = response.json<OperationOutcome>();
  expect(outcome.resourceType).to.equal("OperationOutcome");
  expect(outcome.issue[0].code, response.describe()).to.equal(code);
  expect(outcome.issue[0].diagnostics).to.be.a("string").and.not.equal("");
  expectValidFhir(outcome, `OperationOutcome ${status}`);
  return outcome;
}

describe("Gateway: FHIR R4 endpoints on the seeded demo scene", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  const clients = new Map<number, GatewayClient>();
  const as = (index: number) => clients.get(index)!;

  before(async () => {
    await loadFhirSchema();
    stack = await startGatewayStack();
    // The demo scene, uploaded through this gateway: its SIWE messages name GATEWAY_URL, the server's own origin.
    const seed = await runHardhat(["run", "--network", "custom", "scripts/seed.ts"], {
      env: { ...customNetworkEnv(stack.chain.url), GATEWAY_URL: stack.url },
      timeoutMs: 300_000,
    });
    expect(seed.code, seed.output).to.equal(0);
    for (const index of [NORTHSIDE, ST_MARYS, RIVERSIDE, RESEARCH_STUDY, ALICE, BOB, GUARDIAN, STRANGER]) {
      const client = new GatewayClient(stack.url, stack.contracts.account(index));
      await client.signIn();
      clients.set(index, client);
    }
    // Northside Family Practice reads Alice's lab record and allergies for treatment; one batch is anchored, then one
    // more read stays pending, so the audit trail holds disclosures with and without Merkle evidence.
    for (const recordId of [ALICE_LIPID_PANEL, ALICE_ALLERGIES]) {
      const read = await as(NORTHSIDE).get(recordPath(address(ALICE), recordId, "treatment"));
      expect(read.status, read.describe()).to.equal(200);
    }
    const anchored = await as(ALICE).request("POST", "/api/disclosures/anchor");
    expect(anchored.status, anchored.describe()).to.equal(200);
    expect(anchored.json<{ anchored: unknown }>().anchored).to.not.equal(null);
    const pending = await as(NORTHSIDE).get(recordPath(address(ALICE), ALICE_LIPID_PANEL, "treatment"));
    expect(pending.status, pending.describe()).to.equal(200);
  });

  after(async () => {
    await stack?.stop();
  });

  async function consentBundle(reader: number, query: string): Promise<Bundle> {
    const response = await as(reader).get(`/api/fhir/Consent?${query}`);
    expectFhirJson(response);
    const bundle = response.json<Bundle>();
    expectValidBundle(bundle, `Consent?${query}`);
    expect(bundle.type).to.equal("searchset");
    expect(bundle.total).to.equal(bundle.entry?.length ?? 0);
    return bundle;
  }

  const consentsOf = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.resource as Consent);
  const byActor = (bundle: Bundle, index: number) => consentsOf(bundle).filter((c) => actorOf(c) === address(index));

  it("GET /api/fhir/metadata: a valid CapabilityStatement, without sign-in", async () => {
    const response = await new GatewayClient(stack.url).get("/api/fhir/metadata");
    expectFhirJson(response);
    const statement = response.json<{
      resourceType: string;
      fhirVersion: string;
      rest: { resource: { type: string }[] }[];
    }>();
    expectValidFhir(statement, "CapabilityStatement");
    expect(statement.fhirVersion).to.equal("4.0.1");
    expect(statement.rest[0].resource.map((r) => r.type)).to.deep.equal(["Consent", "AuditEvent"]);
  });

  it("Alice's consents: one valid Consent per grantee, active, expiring, revoked and expired", async () => {
    const bundle = await consentBundle(ALICE, `patient=${address(ALICE)}`);
    expect(bundle.total).to.equal(4);
    expect(bundle.link![0]).to.deep.equal({
      relation: "self",
      url: `${stack.url}/api/fhir/Consent?patient=${address(ALICE)}`,
    });
    for (const entry of bundle.entry!) {
      const consent = entry.resource as Consent;
      expect(entry.fullUrl).to.equal(`${stack.url}/api/fhir/Consent/${consent.id}`);
      expect(entry.search!.mode).to.equal("match");
      expect(consent.patient!.identifier!.value).to.equal(address(ALICE));
    }
    const [northside] = byActor(bundle, NORTHSIDE);
    expect(northside.id).to.equal(consentId({ patient: address(ALICE), grantee: address(NORTHSIDE) }));
    expect(northside.status).to.equal("active");
    expect(northside.provision!.actor![0].reference).to.deep.include({
      type: "Organization",
      display: "Northside Family Practice",
    });
    expect(northside.provision!.actor![0].role.coding![0].code).to.equal("IRCP");
    expect(codingsToActions(northside.provision!.action!)).to.equal(3);
    expect(northside.provision!.action!.map((a) => a.coding![0].code)).to.deep.equal(["access", "collect", "correct"]);
    expect(codingsToPurposes(northside.provision!.purpose!)).to.equal(TREATMENT);
    expect(northside.provision!.class!.map((c) => c.code)).to.deep.equal([
      "allergies",
      "medications",
      "conditions",
      "lab-results",
      "immunizations",
    ]);
    expect(byActor(bundle, RIVERSIDE)[0].status, "expiring within a week is still active").to.equal("active");
    const stMarys = byActor(bundle, ST_MARYS)[0];
    expect(stMarys.status).to.equal("inactive");
    expect(extensionValue(stMarys, REVOCATION_EXTENSION, "method")!.valueCode).to.equal("revoke");
    expect(byActor(bundle, RESEARCH_STUDY)[0].status, "expired").to.equal("inactive");
    expect(byActor(bundle, RESEARCH_STUDY)[0].provision!.purpose![0].code).to.equal("HRESCH");
  });

  it("Bob's consents: revoke-all, the guardian's grant, a sensitive category's label and the emergency access", async () => {
    const bundle = await consentBundle(BOB, `patient=${address(BOB)}`);
    expect(bundle.total).to.equal(4);
    const riverside = byActor(bundle, RIVERSIDE)[0];
    expect(riverside.status).to.equal("inactive");
    expect(extensionValue(riverside, REVOCATION_EXTENSION, "method")!.valueCode).to.equal("revoke-all");
    const research = byActor(bundle, RESEARCH_STUDY)[0];
    expect(research.status).to.equal("inactive");
    expect(research.provision!.securityLabel!.map((l) => l.code)).to.deep.equal(["GDIS"]);
    const northside = byActor(bundle, NORTHSIDE)[0];
    expect(northside.status).to.equal("active");
    expect(northside.performer![0].identifier!.value, "granted by the guardian").to.equal(address(GUARDIAN));
    expect(classesToCategories(northside.provision!.class!)).to.equal(ROUTINE_CATEGORIES);
    const emergency = consentsOf(bundle).find((c) => c.id!.startsWith("emergency-"))!;
    expect(emergency.id).to.equal(emergencyConsentId({ patient: address(BOB), grantee: address(ST_MARYS) }));
    expect(emergency.status).to.equal("active");
    expect(actorOf(emergency)).to.equal(address(ST_MARYS));
    expect(codingsToPurposes(emergency.provision!.purpose!)).to.equal(EMERGENCY);
    expect(codingsToActions(emergency.provision!.action!)).to.equal(READ);
    expect(extensionValue(emergency, EMERGENCY_EXTENSION, "reason")!.valueCoding!.code).to.equal("UNCONSCIOUS_PATIENT");
  });

  it("GET /api/fhir/Consent/{id}: each entry of both patients, valid and equal to the search's", async () => {
    for (const patient of [ALICE, BOB]) {
      const bundle = await consentBundle(patient, `patient=${address(patient)}`);
      for (const consent of consentsOf(bundle)) {
        const response = await as(patient).get(`/api/fhir/Consent/${consent.id}`);
        expectFhirJson(response);
        const read = response.json<Consent>();
        expectValidFhir(read, `Consent/${consent.id}`);
        expect(read).to.deep.equal(consent);
      }
    }
  });

  it("searches by actor and status", async () => {
    const alice = address(ALICE);
    const active = await consentBundle(ALICE, `patient=${alice}&status=active`);
    expect(consentsOf(active).map(actorOf)).to.have.members([address(NORTHSIDE), address(RIVERSIDE)]);
    const inactive = await consentBundle(ALICE, `patient=${alice}&status=inactive`);
    expect(consentsOf(inactive).map(actorOf)).to.have.members([address(ST_MARYS), address(RESEARCH_STUDY)]);
    const one = await consentBundle(ALICE, `patient=${alice}&actor=${address(RIVERSIDE).toLowerCase()}`);
    expect(consentsOf(one).map(actorOf)).to.deep.equal([address(RIVERSIDE)]);
    const none = await consentBundle(ALICE, `patient=${alice}&actor=${address(STRANGER)}`);
    expect(none.total).to.equal(0);
  });

  it("AuditEvents: disclosures with Merkle evidence once anchored, and the consent events, all valid", async () => {
    const response = await as(ALICE).get(`/api/fhir/AuditEvent?patient=${address(ALICE)}`);
    expectFhirJson(response);
    const bundle = response.json<Bundle>();
    expectValidBundle(bundle, "Alice's AuditEvents");
    const events = bundle.entry!.map((e) => e.resource as AuditEvent);
    const disclosures = events.filter((e) => e.id!.startsWith("disclosure-"));
    expect(disclosures).to.have.length(3);
    for (const event of disclosures) {
      expect(event.action).to.equal("R");
      expect(event.outcome).to.equal("0");
      expect(event.agent[0].who!.identifier!.value).to.equal(address(NORTHSIDE));
      expect(event.agent[0].who!.display).to.equal("Northside Family Practice");
      expect(event.agent[0].requestor).to.equal(true);
      expect(event.purposeOfEvent![0].coding![0].code).to.equal("TREAT");
      expect(event.source.observer.identifier!.value).to.equal(stack.url);
      expect(event.entity![0].what!.identifier!.value).to.match(
        new RegExp(`^eip155:31337:0x[0-9a-fA-F]{40}/${address(ALICE)}/[12]$`),
      );
    }
    const anchored = disclosures.filter((e) => e.entity![0].detail!.some((d) => d.type === "merkle-root"));
    expect(anchored, "the two reads before the anchor").to.have.length(2);
    for (const event of anchored) {
      const root = event.entity![0].detail!.find((d) => d.type === "merkle-root")!.valueString!;
      expect(root).to.match(/^0x[0-9a-f]{64}$/);
      expect(event.entity![0].detail!.map((d) => d.type)).to.include.members(["merkle-proof", "anchor-transaction"]);
    }
    const subtypes = events.filter((e) => e.id!.startsWith("chain-")).map((e) => e.subtype![0].code);
    expect(subtypes.filter((s) => s === "ConsentGranted")).to.have.length(4);
    expect(subtypes).to.include("ConsentRevoked");
    // Newest first.
    const times = events.map((e) => Date.parse(e.recorded));
    expect(times).to.deep.equal([...times].sort((a, b) => b - a));

    const bob = await as(BOB).get(`/api/fhir/AuditEvent?patient=${address(BOB)}`);
    expectFhirJson(bob);
    const bobBundle = bob.json<Bundle>();
    expectValidBundle(bobBundle, "Bob's AuditEvents");
    const bobEvents = bobBundle.entry!.map((e) => e.resource as AuditEvent);
    expect(bobEvents.map((e) => e.subtype![0].code)).to.include.members([
      "DelegateSet",
      "AllConsentsRevoked",
      "EmergencyAccessUsed",
      "ConsentGranted",
    ]);
    const emergency = bobEvents.find((e) => e.subtype![0].code === "EmergencyAccessUsed")!;
    expect(emergency.purposeOfEvent![0].coding![0].code).to.equal("ETREAT");
    expect(emergency.agent[0].who!.display).to.equal("St. Mary's Hospital");
    const guardianGrant = bobEvents.find(
      (e) => e.subtype![0].code === "ConsentGranted" && e.agent[0].who!.identifier!.value === address(GUARDIAN),
    );
    expect(guardianGrant, "the guardian's grant names the guardian as requestor").to.not.equal(undefined);
  });

  it("a grantee with a live READ consent sees only its own Consent", async () => {
    const alice = address(ALICE);
    const bundle = await consentBundle(NORTHSIDE, `patient=${alice}`);
    expect(consentsOf(bundle).map(actorOf)).to.deep.equal([address(NORTHSIDE)]);
    const own = consentId({ patient: alice, grantee: address(NORTHSIDE) });
    const read = await as(NORTHSIDE).get(`/api/fhir/Consent/${own}`);
    expectFhirJson(read);
    expectValidFhir(read.json(), "the grantee's own Consent");
    const others = await consentBundle(NORTHSIDE, `patient=${alice}&actor=${address(RIVERSIDE)}`);
    expect(others.total).to.equal(0);
    const someoneElses = consentId({ patient: alice, grantee: address(RIVERSIDE) });
    expectOutcome(await as(NORTHSIDE).get(`/api/fhir/Consent/${someoneElses}`), 403, "security");
    // Bob's guardian-granted consent also counts: Northside may see it; his emergency Consent it may not.
    const bobs = await consentBundle(NORTHSIDE, `patient=${address(BOB)}`);
    expect(consentsOf(bobs).map((c) => c.id)).to.deep.equal([
      consentId({ patient: address(BOB), grantee: address(NORTHSIDE) }),
    ]);
    // The audit trail is the patient's alone.
    expectOutcome(await as(NORTHSIDE).get(`/api/fhir/AuditEvent?patient=${alice}`), 403, "security");
  });

  it("refuses strangers, revoked and expired grantees (403), no session (401), bad input (400), unknown ids (404)", async () => {
    const alice = address(ALICE);
    expectOutcome(await as(STRANGER).get(`/api/fhir/Consent?patient=${alice}`), 403, "security");
    expectOutcome(await as(GUARDIAN).get(`/api/fhir/Consent?patient=${alice}`), 403, "security");
    expectOutcome(await as(ST_MARYS).get(`/api/fhir/Consent?patient=${alice}`), 403, "security");
    expectOutcome(await as(RESEARCH_STUDY).get(`/api/fhir/Consent?patient=${alice}`), 403, "security");
    expectOutcome(await as(STRANGER).get(`/api/fhir/AuditEvent?patient=${alice}`), 403, "security");
    const stMarys = consentId({ patient: alice, grantee: address(ST_MARYS) });
    expectOutcome(await as(ST_MARYS).get(`/api/fhir/Consent/${stMarys}`), 403, "security");
    expectOutcome(await as(STRANGER).get(`/api/fhir/Consent/${stMarys}`), 403, "security");

    const anonymous = new GatewayClient(stack.url);
    expectOutcome(await anonymous.get(`/api/fhir/Consent?patient=${alice}`), 401, "security");
    expectOutcome(await anonymous.get(`/api/fhir/Consent/${stMarys}`), 401, "security");
    expectOutcome(await anonymous.get(`/api/fhir/AuditEvent?patient=${alice}`), 401, "security");

    expectOutcome(await as(ALICE).get("/api/fhir/Consent?patient=0x1234"), 400, "invalid");
    expectOutcome(await as(ALICE).get("/api/fhir/Consent"), 400, "invalid");
    expectOutcome(await as(ALICE).get(`/api/fhir/Consent?patient=${alice}&status=live`), 400, "invalid");
    expectOutcome(await as(ALICE).get(`/api/fhir/Consent?patient=${alice}&actor=nobody`), 400, "invalid");
    expectOutcome(await as(ALICE).get("/api/fhir/AuditEvent?patient=alice"), 400, "invalid");

    const never = consentId({ patient: alice, grantee: address(STRANGER) });
    expectOutcome(await as(ALICE).get(`/api/fhir/Consent/${never}`), 404, "not-found");
    expectOutcome(
      await as(ALICE).get(`/api/fhir/Consent/${emergencyConsentId({ patient: alice, grantee: address(ST_MARYS) })}`),
      404,
      "not-found",
    );
    expectOutcome(await as(ALICE).get("/api/fhir/Consent/not-a-consent-id"), 404, "not-found");
    expectOutcome(await as(ALICE).get("/api/fhir/Patient"), 404, "not-found");
  });

  it("after the patient revokes a grantee's consent, the grantee is refused (403) and the Consent is inactive", async () => {
    const alice = address(ALICE);
    const own = consentId({ patient: alice, grantee: address(RIVERSIDE) });
    expectFhirJson(await as(RIVERSIDE).get(`/api/fhir/Consent/${own}`));
    await stack.contracts.revokeConsent(ALICE, getAddress(address(RIVERSIDE)));
    expectOutcome(await as(RIVERSIDE).get(`/api/fhir/Consent?patient=${alice}`), 403, "security");
    expectOutcome(await as(RIVERSIDE).get(`/api/fhir/Consent/${own}`), 403, "security");
    const bundle = await consentBundle(ALICE, `patient=${alice}`);
    const riverside = byActor(bundle, RIVERSIDE)[0];
    expect(riverside.status).to.equal("inactive");
    expect(extensionValue(riverside, REVOCATION_EXTENSION, "method")!.valueCode).to.equal("revoke");
    expect(extensionValue(riverside, REVOCATION_EXTENSION, "revokedBy")!.valueString).to.equal(alice);
  });
});
