// The gateway with an indexer (INDEXER_URL): the FHIR searches list from it and say which block they are current to,
// and no decision ever depends on it: with the indexer stopped (so it lags the chain for good), a consent revoked on
// chain refuses the read at once and a consent granted on chain allows it, while the lists fail closed (503).
import { expect } from "chai";
import type { Bundle, Consent, OperationOutcome } from "fhir/r4";
import type { Address } from "viem";
import { READ, TREATMENT } from "@/lib/consentCodes";
import { createConsentClient, type ConsentClient } from "@/lib/consentClient";
import { GatewayClient, type GatewayResponse } from "@/harness/gatewayHttpClient";
import { startGatewayStack, type GatewayStack } from "@/harness/gatewayStack";
import { hardhatAccount } from "@/harness/localNode";
import { newKeyPair, putWrappedKey, recordPath, storeRecord, type StoredRecord } from "@/harness/storedRecords";
import { expectRefusal } from "./expectations";

const LAB_RESULTS = 4;
const PATIENT = 10;
const READER = 11; // READ on lab results for treatment, revoked while the indexer is stopped
const LATE_READER = 12; // granted only while the indexer is stopped
const labRead = { categories: 1n << BigInt(LAB_RESULTS), actions: READ, purposes: TREATMENT };

const address = (index: number): Address => hardhatAccount(index).address;
const actorOf = (consent: Consent) => consent.provision!.actor![0].reference.identifier!.value;

describe("Gateway: lists from the indexer, decisions from the chain", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  let indexed: ConsentClient;
  let record: StoredRecord;
  const clients = new Map<number, GatewayClient>();
  const as = (index: number) => clients.get(index)!;

  before(async () => {
    stack = await startGatewayStack({ indexer: true });
    const chain = stack.contracts;
    indexed = createConsentClient({ chainId: 31337, rpcUrl: stack.chain.url, indexerUrl: stack.indexer!.url });
    for (const index of [READER, LATE_READER]) await chain.registerProvider(index, `Provider ${index}`);
    await chain.grantConsent(PATIENT, address(READER), labRead);
    for (const index of [PATIENT, READER, LATE_READER]) {
      const client = new GatewayClient(stack.url, chain.account(index));
      await client.signIn();
      clients.set(index, client);
    }
    const patientKey = newKeyPair();
    record = await storeRecord({
      chain,
      uploader: as(PATIENT),
      authorIndex: PATIENT,
      patient: address(PATIENT),
      patientKey,
      category: LAB_RESULTS,
      label: "lab results: ferritin 80 ng/mL",
    });
    const key = await putWrappedKey(as(PATIENT), record, address(READER), newKeyPair().publicKey);
    expect(key.status, key.describe()).to.equal(201);
  });

  after(async () => {
    await stack?.stop();
  });

  /** Waits until the indexer has the chain's head; returns its block and time. */
  async function indexerCaughtUp() {
    for (let attempt = 0; attempt < 300; attempt++) {
      const status = await indexed.indexerStatus();
      if (status!.behind === 0) return status!.indexedTo;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`The indexer did not catch up:\n${stack.indexer!.output().slice(-2000)}`);
  }

  const consentSearch = () => as(PATIENT).get(`/api/fhir/Consent?patient=${address(PATIENT)}`);

  it("the FHIR Consent search answers from the indexer, current to its block", async () => {
    const indexedTo = await indexerCaughtUp();
    const response = await consentSearch();
    expect(response.status, response.describe()).to.equal(200);
    expect(response.headers.get("x-current-to-block"), response.describe()).to.equal(indexedTo.blockNumber.toString());
    const bundle = response.json<Bundle>();
    expect(bundle.meta?.lastUpdated).to.equal(new Date(indexedTo.timestamp * 1000).toISOString().replace(".000Z", "Z"));
    const consents = (bundle.entry ?? []).map((entry) => entry.resource as Consent);
    expect(consents.map(actorOf)).to.deep.equal([address(READER)]);
    expect(consents[0].status).to.equal("active");

    const audit = await as(PATIENT).get(`/api/fhir/AuditEvent?patient=${address(PATIENT)}`);
    expect(audit.status, audit.describe()).to.equal(200);
    expect(audit.headers.get("x-current-to-block")).to.equal(indexedTo.blockNumber.toString());
  });

  it("a lagging indexer never changes a gateway decision: revoked on chain, refused at once", async () => {
    const read = await as(READER).get(recordPath(address(PATIENT), record.recordId, "treatment"));
    expect(read.status, read.describe()).to.equal(200);
    const indexedBefore = await indexerCaughtUp();

    // Stopped, the indexer stays at the block it had: it still holds READER's consent as live.
    await stack.indexer!.stop();
    await stack.contracts.revokeConsent(PATIENT, address(READER));
    await stack.contracts.grantConsent(PATIENT, address(LATE_READER), labRead);
    // The key check for LATE_READER is a chain read too: the gateway takes the key for a consent the indexer never saw.
    const key = await putWrappedKey(as(PATIENT), record, address(LATE_READER), newKeyPair().publicKey);
    expect(key.status, key.describe()).to.equal(201);
    expect(await indexed.blockNumber()).to.be.greaterThan(indexedBefore.blockNumber);

    const refused: GatewayResponse = await as(READER).get(recordPath(address(PATIENT), record.recordId, "treatment"));
    expectRefusal(refused, "AccessNoConsent");
    expect(refused.bytes.byteLength < 2048, "no ciphertext in the refusal").to.equal(true);

    // The other way round: a consent the indexer never saw allows the read, because only the chain decides.
    const allowed = await as(LATE_READER).get(recordPath(address(PATIENT), record.recordId, "treatment"));
    expect(allowed.status, allowed.describe()).to.equal(200);

    // The lists cannot be read now: they fail closed rather than answer from a scan or half-made.
    const search = await consentSearch();
    expect(search.status, search.describe()).to.equal(503);
    const outcome = search.json<OperationOutcome>();
    expect(outcome.issue[0].details?.coding?.[0].code).to.equal("indexer_unavailable");
  });
});
