// The disclosure log through the running gateway: every served read is logged with the request id the reader saw,
// refusals are not, anchoring puts a Merkle root on chain, and each entry's proof verifies locally and on chain.
import { expect } from "chai";
import { encodeAbiParameters, getAddress, keccak256, parseEventLogs, type Address, type Hex } from "viem";
import { READ, RESEARCH, TREATMENT } from "../../app/_lib/consentCodes";
import { disclosureLeaf, verifyMerkleProof } from "../../app/_lib/vault";
import { hardhatAccount } from "../../scripts/lib/localNode";
import { expectError } from "./expectations";
import { GatewayClient } from "../../scripts/lib/gatewayHttpClient";
import { GATEWAY_ACCOUNT_INDEX, startGatewayStack, type GatewayStack } from "./gatewayStack";
import { newKeyPair, putWrappedKey, recordPath, storeRecord, type KeyPair, type StoredRecord } from "./storedRecords";

const LAB_RESULTS = 4;
const MEDICATIONS = 2;
const PATIENT = 10;
const READER = 11; // READ on lab results and medications, for treatment and research
const NO_CONSENT = 12;
const OTHER_PATIENT = 13;
const STRANGER = 17;

interface AnchorInfo {
  root: Hex;
  proof: Hex[];
  fromSeq: number | string;
  toSeq: number | string;
  txHash: Hex;
}

interface ListedDisclosure {
  seq: number | string;
  reader: string;
  patient: string;
  recordId: number | string;
  purpose: number;
  servedAt: number | string;
  requestId: string;
  anchor: AnchorInfo | null;
}

interface ServedRead {
  reader: Address;
  patient: Address;
  recordId: bigint;
  purpose: number;
  requestId: string;
  seq: number;
  /** Wall-clock seconds around the request. */
  from: number;
  to: number;
}

/** Unix seconds of a servedAt given as seconds or as an ISO date. */
const seconds = (value: number | string) =>
  typeof value === "number" || /^\d+$/.test(value) ? Number(value) : Math.floor(Date.parse(value) / 1000);

/** The leaf exactly as the design defines it, computed here independently of the vault's code. */
function expectedLeaf(entry: ListedDisclosure): Hex {
  const encoded = encodeAbiParameters(
    [
      { type: "uint64" },
      { type: "address" },
      { type: "address" },
      { type: "uint256" },
      { type: "uint8" },
      { type: "uint40" },
      { type: "bytes16" },
    ],
    [
      BigInt(entry.seq),
      getAddress(entry.reader),
      getAddress(entry.patient),
      BigInt(entry.recordId),
      entry.purpose,
      seconds(entry.servedAt),
      `0x${entry.requestId.replaceAll("-", "")}`,
    ],
  );
  return keccak256(keccak256(encoded));
}

const leafOf = (entry: ListedDisclosure) =>
  disclosureLeaf({
    seq: BigInt(entry.seq),
    reader: getAddress(entry.reader),
    patient: getAddress(entry.patient),
    recordId: BigInt(entry.recordId),
    purpose: entry.purpose,
    servedAt: seconds(entry.servedAt),
    requestId: entry.requestId,
  });

describe("Gateway: the disclosure log", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  const clients = new Map<number, GatewayClient>();
  const keys = new Map<number, KeyPair>();
  let patient: Address;
  let labResults: StoredRecord;
  let medications: StoredRecord;
  let otherPatientsRecord: StoredRecord;
  const served: ServedRead[] = [];
  const refusedRequestIds: string[] = [];

  const as = (index: number) => clients.get(index)!;
  const address = (index: number) => hardhatAccount(index).address;

  before(async () => {
    stack = await startGatewayStack();
    const chain = stack.contracts;
    patient = address(PATIENT);
    for (const index of [PATIENT, READER, NO_CONSENT, OTHER_PATIENT, STRANGER]) {
      clients.set(index, new GatewayClient(stack.url, chain.account(index)));
      keys.set(index, newKeyPair());
    }
    await chain.registerProvider(READER, "Reader clinic");
    await chain.registerProvider(NO_CONSENT, "Clinic without consent");
    await chain.grantConsent(PATIENT, address(READER), {
      categories: (1n << BigInt(LAB_RESULTS)) | (1n << BigInt(MEDICATIONS)),
      actions: READ,
      purposes: TREATMENT | RESEARCH,
    });
    for (const client of clients.values()) await client.signIn();
    const store = (index: number, category: number, label: string) =>
      storeRecord({
        chain,
        uploader: as(index),
        authorIndex: index,
        patient: address(index),
        patientKey: keys.get(index)!,
        category,
        label,
      });
    labResults = await store(PATIENT, LAB_RESULTS, "lab results");
    medications = await store(PATIENT, MEDICATIONS, "medications");
    otherPatientsRecord = await store(OTHER_PATIENT, LAB_RESULTS, "someone else's lab results");
    for (const record of [labResults, medications]) {
      const response = await putWrappedKey(as(PATIENT), record, address(READER), keys.get(READER)!.publicKey);
      expect(response.status, response.describe()).to.equal(201);
    }
  });

  after(async () => {
    await stack?.stop();
  });

  /** One read that must be served; remembers what the log must then hold. */
  async function read(index: number, record: StoredRecord, purpose: "treatment" | "research") {
    const from = Math.floor(Date.now() / 1000);
    const response = await as(index).get(recordPath(record.patient, record.recordId, purpose));
    const to = Math.ceil(Date.now() / 1000);
    expect(response.status, response.describe()).to.equal(200);
    served.push({
      reader: address(index),
      patient: record.patient,
      recordId: record.recordId,
      purpose: purpose === "treatment" ? TREATMENT : RESEARCH,
      requestId: response.headers.get("x-request-id")!,
      seq: Number(response.headers.get("x-disclosure-seq")),
      from,
      to,
    });
  }

  async function listDisclosures(index = PATIENT, of: Address = patient): Promise<ListedDisclosure[]> {
    const response = await as(index).get(`/api/disclosures?patient=${of}`);
    expect(response.status, response.describe()).to.equal(200);
    return response.json<{ entries: ListedDisclosure[] }>().entries;
  }

  async function anchor(): Promise<{ root: Hex; fromSeq: number; toSeq: number; txHash: Hex } | null> {
    const response = await as(PATIENT).request("POST", "/api/disclosures/anchor");
    expect(response.status, response.describe()).to.equal(200);
    const { anchored } = response.json<{ anchored: AnchorInfo | null }>();
    if (anchored === null) return null;
    return { ...anchored, fromSeq: Number(anchored.fromSeq), toSeq: Number(anchored.toSeq) };
  }

  const disclosureLog = () => {
    const { DisclosureLog } = stack.contracts.addresses;
    return { address: DisclosureLog, abi: stack.contracts.abis.DisclosureLog };
  };
  const nextSeq = async () => {
    const { address: logAddress, abi } = disclosureLog();
    return Number(await stack.contracts.read<bigint>(logAddress, abi, "nextSeq"));
  };

  /** Every listed entry of an anchored batch: local proof, on-chain proof, and the batch covering its seq. */
  async function expectVerifiable(entries: ListedDisclosure[]) {
    const { address: logAddress, abi } = disclosureLog();
    for (const entry of entries) {
      expect(entry.anchor, `entry ${entry.seq} anchored`).to.not.equal(null);
      const { root, proof } = entry.anchor!;
      const leaf = leafOf(entry);
      expect(leaf, "the vault's leaf is the design's leaf").to.equal(expectedLeaf(entry));
      expect(verifyMerkleProof(leaf, proof, root), `local proof of ${entry.seq}`).to.equal(true);
      expect(
        await stack.contracts.read<boolean>(logAddress, abi, "verifyDisclosure", [root, proof, leaf]),
        `on-chain proof of ${entry.seq}`,
      ).to.equal(true);
      const batch = await stack.contracts.read<{ fromSeq: bigint; toSeq: bigint; anchoredAt: number }>(
        logAddress,
        abi,
        "batchOf",
        [root],
      );
      expect(Number(batch.fromSeq)).to.equal(Number(entry.anchor!.fromSeq));
      expect(Number(batch.toSeq)).to.equal(Number(entry.anchor!.toSeq));
      expect(Number(entry.seq)).to.be.within(Number(batch.fromSeq), Number(batch.toSeq));
      expect(batch.anchoredAt).to.be.greaterThan(0);
      // A changed entry (another purpose) does not verify.
      const forged = leafOf({ ...entry, purpose: entry.purpose === TREATMENT ? RESEARCH : TREATMENT });
      expect(verifyMerkleProof(forged, proof, root)).to.equal(false);
      expect(await stack.contracts.read<boolean>(logAddress, abi, "verifyDisclosure", [root, proof, forged])).to.equal(
        false,
      );
    }
  }

  it("logs every served read with reader, patient, record, purpose, time and the X-Request-Id the reader saw", async () => {
    await read(PATIENT, labResults, "treatment");
    await read(READER, labResults, "treatment");
    await read(OTHER_PATIENT, otherPatientsRecord, "treatment");
    await read(READER, medications, "research");
    await read(READER, labResults, "treatment");
    const entries = await listDisclosures();
    const expected = served.filter((s) => s.patient === patient);
    expect(entries.map((e) => e.requestId)).to.have.members(expected.map((s) => s.requestId));
    // Newest first.
    const seqs = entries.map((e) => Number(e.seq));
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => b - a));
    for (const read of expected) {
      const entry = entries.find((e) => e.requestId === read.requestId)!;
      expect(Number(entry.seq)).to.equal(read.seq);
      expect(getAddress(entry.reader)).to.equal(read.reader);
      expect(getAddress(entry.patient)).to.equal(read.patient);
      expect(String(entry.recordId)).to.equal(String(read.recordId));
      expect(entry.purpose).to.equal(read.purpose);
      expect(seconds(entry.servedAt)).to.be.within(read.from - 1, read.to + 1);
      expect(entry.anchor).to.equal(null);
    }
    // The other patient's read is in their own log only.
    const theirs = await listDisclosures(OTHER_PATIENT, address(OTHER_PATIENT));
    expect(theirs.map((e) => e.requestId)).to.deep.equal([served[2].requestId]);
  });

  it("does not log refused reads", async () => {
    const before = (await listDisclosures()).length;
    for (const [index, purpose] of [
      [NO_CONSENT, "treatment"],
      [READER, "emergency"],
      [STRANGER, "treatment"],
    ] as const) {
      const response = await as(index).get(recordPath(patient, labResults.recordId, purpose));
      expect(response.status, response.describe()).to.equal(403);
      refusedRequestIds.push(response.headers.get("x-request-id")!);
    }
    const missing = await as(READER).get(recordPath(patient, 999, "treatment"));
    expectError(missing, 404, "record_not_found");
    refusedRequestIds.push(missing.headers.get("x-request-id")!);
    const anonymous = await new GatewayClient(stack.url).get(recordPath(patient, labResults.recordId, "treatment"));
    expectError(anonymous, 401, "not_signed_in");
    const entries = await listDisclosures();
    expect(entries).to.have.length(before);
    for (const requestId of refusedRequestIds) expect(entries.map((e) => e.requestId)).to.not.include(requestId);
  });

  it("anchors the pending entries on demand; every proof verifies locally and with DisclosureLog.verifyDisclosure", async () => {
    expect(await nextSeq()).to.equal(1);
    const anchored = await anchor();
    expect(anchored, "a batch was anchored").to.not.equal(null);
    const lastSeq = Math.max(...served.map((s) => s.seq));
    expect(anchored!.fromSeq).to.equal(1);
    expect(anchored!.toSeq).to.equal(lastSeq);
    expect(await nextSeq()).to.equal(lastSeq + 1);

    const receipt = await stack.contracts.publicClient.getTransactionReceipt({ hash: anchored!.txHash });
    const [event] = parseEventLogs({ abi: disclosureLog().abi, eventName: "DisclosuresAnchored", logs: receipt.logs });
    expect(event.args.root).to.equal(anchored!.root);
    expect(Number(event.args.fromSeq)).to.equal(anchored!.fromSeq);
    expect(Number(event.args.toSeq)).to.equal(anchored!.toSeq);
    expect(event.args.gateway).to.equal(hardhatAccount(GATEWAY_ACCOUNT_INDEX).address);

    const entries = await listDisclosures();
    for (const entry of entries) {
      expect(entry.anchor!.root).to.equal(anchored!.root);
      expect(entry.anchor!.txHash).to.equal(anchored!.txHash);
    }
    await expectVerifiable(entries);
    await expectVerifiable(await listDisclosures(OTHER_PATIENT, address(OTHER_PATIENT)));
  });

  it("answers { anchored: null } when nothing is pending", async () => {
    const before = await nextSeq();
    expect(await anchor()).to.equal(null);
    expect(await nextSeq()).to.equal(before);
  });

  it("a second anchor continues from nextSeq (odd batch), and the first batch's proofs still verify", async () => {
    const first = await nextSeq();
    await read(READER, labResults, "treatment");
    await read(PATIENT, medications, "treatment");
    await read(READER, medications, "treatment");
    const anchored = await anchor();
    expect(anchored!.fromSeq).to.equal(first);
    expect(anchored!.toSeq).to.equal(first + 2);
    expect(await nextSeq()).to.equal(first + 3);
    const entries = await listDisclosures();
    const roots = new Set(entries.map((e) => e.anchor?.root));
    expect(roots.size).to.equal(2);
    await expectVerifiable(entries);
  });

  it("a one-entry batch has the leaf as its root and an empty proof", async () => {
    await read(READER, labResults, "research");
    const anchored = await anchor();
    expect(anchored!.fromSeq).to.equal(anchored!.toSeq);
    const [newest] = await listDisclosures();
    expect(newest.anchor!.proof).to.deep.equal([]);
    expect(newest.anchor!.root.toLowerCase()).to.equal(leafOf(newest).toLowerCase());
    await expectVerifiable([newest]);
  });

  it("lists a patient's disclosures to that patient only", async () => {
    expectError(await as(STRANGER).get(`/api/disclosures?patient=${patient}`), 403);
    expectError(await as(READER).get(`/api/disclosures?patient=${patient}`), 403);
    expectError(await as(OTHER_PATIENT).get(`/api/disclosures?patient=${patient}`), 403);
    expectError(await new GatewayClient(stack.url).get(`/api/disclosures?patient=${patient}`), 401, "not_signed_in");
    expectError(await as(PATIENT).get("/api/disclosures?patient=0x1234"), 400);
    expectError(await as(PATIENT).get("/api/disclosures"), 400);
  });

  it("anchoring needs a session", async () => {
    expectError(await new GatewayClient(stack.url).request("POST", "/api/disclosures/anchor"), 401, "not_signed_in");
  });
});
