// The disclosure log through the running gateway: every served read is logged with the request id the reader saw and
// the block its access decision was read at, refusals are not, anchoring puts a Merkle root on chain, and each entry's
// proof verifies locally and on chain. On-demand anchoring is debounced and only an operator forces it; a crash
// between the anchor transaction and its bookkeeping, and two processes on one PostgreSQL, still leave every read in
// exactly one anchored batch.
import { expect } from "chai";
import { encodeAbiParameters, getAddress, keccak256, parseEventLogs, type Address, type Hex } from "viem";
import { READ, RESEARCH, TREATMENT } from "@/lib/consentCodes";
import { disclosureLeaf, verifyMerkleProof } from "@/lib/vault";
import { hardhatAccount, rpc } from "@/harness/localNode";
import { expectError } from "./expectations";
import { GatewayClient } from "@/harness/gatewayHttpClient";
import {
  GATEWAY_ACCOUNT_INDEX,
  startGatewayStack,
  type GatewayServer,
  type GatewayStack,
} from "@/harness/gatewayStack";
import {
  newKeyPair,
  putWrappedKey,
  recordPath,
  storeRecord,
  type KeyPair,
  type StoredRecord,
} from "@/harness/storedRecords";

const LAB_RESULTS = 4;
const MEDICATIONS = 2;
const PATIENT = 10;
const READER = 11; // READ on lab results and medications, for treatment and research
const NO_CONSENT = 12;
const OTHER_PATIENT = 13;
const STRANGER = 17;
/** The gateway's own account: an operator by default on the local chain, so it may force an anchor. */
const OPERATOR = GATEWAY_ACCOUNT_INDEX;

interface AnchorInfo {
  root: Hex;
  proof: Hex[];
  fromSeq: number | string;
  toSeq: number | string;
  txHash: Hex;
  status?: "anchored" | "pending";
}

interface ListedDisclosure {
  id: number | string;
  seq: number | string | null;
  decisionBlock: number | string | null;
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
  id: number;
  /** Wall-clock seconds around the request. */
  from: number;
  to: number;
  /** Block numbers around the request. */
  fromBlock: number;
  toBlock: number;
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
      BigInt(entry.seq!),
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
    seq: BigInt(entry.seq!),
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
    for (const index of [PATIENT, READER, NO_CONSENT, OTHER_PATIENT, STRANGER, OPERATOR]) {
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

  const blockNumber = async () => Number(await stack.contracts.publicClient.getBlockNumber({ cacheTime: 0 }));

  /** One read that must be served; remembers what the log must then hold. */
  async function read(index: number, record: StoredRecord, purpose: "treatment" | "research") {
    const from = Math.floor(Date.now() / 1000);
    const fromBlock = await blockNumber();
    const response = await as(index).get(recordPath(record.patient, record.recordId, purpose));
    const to = Math.ceil(Date.now() / 1000);
    expect(response.status, response.describe()).to.equal(200);
    expect(response.headers.get("x-disclosure-seq"), "no seq before anchoring").to.equal(null);
    served.push({
      reader: address(index),
      patient: record.patient,
      recordId: record.recordId,
      purpose: purpose === "treatment" ? TREATMENT : RESEARCH,
      requestId: response.headers.get("x-request-id")!,
      id: Number(response.headers.get("x-disclosure-id")),
      from,
      to,
      fromBlock,
      toBlock: await blockNumber(),
    });
    expect(Number(response.headers.get("x-decision-block"))).to.be.within(fromBlock, served.at(-1)!.toBlock);
  }

  async function listDisclosures(index = PATIENT, of: Address = patient): Promise<ListedDisclosure[]> {
    const response = await as(index).get(`/api/disclosures?patient=${of}`);
    expect(response.status, response.describe()).to.equal(200);
    return response.json<{ entries: ListedDisclosure[] }>().entries;
  }

  /** A forced anchor by the operator: not debounced. */
  async function anchor(): Promise<{ root: Hex; fromSeq: number; toSeq: number; txHash: Hex } | null> {
    const response = await as(OPERATOR).request("POST", "/api/disclosures/anchor?force=true");
    expect(response.status, response.describe()).to.equal(200);
    const { anchored } = response.json<{ anchored: AnchorInfo | null }>();
    if (anchored === null) return null;
    expect(anchored.status).to.equal("anchored");
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

  it("logs every served read with reader, patient, record, purpose, time, decision block and the X-Request-Id the reader saw", async () => {
    await read(PATIENT, labResults, "treatment");
    await read(READER, labResults, "treatment");
    await read(OTHER_PATIENT, otherPatientsRecord, "treatment");
    await read(READER, medications, "research");
    await read(READER, labResults, "treatment");
    const entries = await listDisclosures();
    const expected = served.filter((s) => s.patient === patient);
    expect(entries.map((e) => e.requestId)).to.have.members(expected.map((s) => s.requestId));
    // Newest first.
    const ids = entries.map((e) => Number(e.id));
    expect(ids).to.deep.equal([...ids].sort((a, b) => b - a));
    for (const read of expected) {
      const entry = entries.find((e) => e.requestId === read.requestId)!;
      expect(Number(entry.id)).to.equal(read.id);
      // The sequence number comes with the batch; the access decision's block with the read.
      expect(entry.seq).to.equal(null);
      expect(Number(entry.decisionBlock)).to.be.within(read.fromBlock, read.toBlock);
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
    // Every read so far, numbered 1..n in the order they were logged.
    const lastSeq = served.length;
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
    const byId = [...served].sort((a, b) => a.id - b.id).map((s) => s.requestId);
    for (const entry of [...entries, ...(await listDisclosures(OTHER_PATIENT, address(OTHER_PATIENT)))]) {
      expect(Number(entry.seq), "seq in the order the reads were logged").to.equal(byId.indexOf(entry.requestId) + 1);
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

  // ---- debouncing, crashes, several processes ----------------------------------------------------------------------

  const gatewayAddress = hardhatAccount(GATEWAY_ACCOUNT_INDEX).address;
  /** Transactions the gateway's account sent (mined, or pending with `blockTag` "pending"). */
  const gatewayNonce = (blockTag: "latest" | "pending" = "latest") =>
    stack.contracts.publicClient.getTransactionCount({ address: gatewayAddress, blockTag });
  const anchoredEvents = async (fromBlock: bigint) =>
    (
      await stack.contracts.publicClient.getContractEvents({
        ...disclosureLog(),
        eventName: "DisclosuresAnchored",
        fromBlock,
      })
    ).length;

  /** A server of its own, with the patient's lab results stored on it and readable by READER; clients signed in. */
  async function serverWithRecord(server: GatewayServer) {
    const on = new Map<number, GatewayClient>();
    for (const index of [PATIENT, READER, STRANGER, OPERATOR]) {
      const client = new GatewayClient(server.url, stack.contracts.account(index));
      await client.signIn();
      on.set(index, client);
    }
    const record = await storeRecord({
      chain: stack.contracts,
      uploader: on.get(PATIENT)!,
      authorIndex: PATIENT,
      patient,
      patientKey: keys.get(PATIENT)!,
      category: LAB_RESULTS,
      label: `lab results on ${server.url}`,
    });
    const shared = await putWrappedKey(on.get(PATIENT)!, record, address(READER), keys.get(READER)!.publicKey);
    expect(shared.status, shared.describe()).to.equal(201);
    const readOn = async (client: GatewayClient) => {
      const response = await client.get(recordPath(patient, record.recordId, "treatment"));
      expect(response.status, response.describe()).to.equal(200);
      return response.headers.get("x-request-id")!;
    };
    return { on: (index: number) => on.get(index)!, record, read: () => readOn(on.get(READER)!), readOn };
  }

  async function listedOn(client: GatewayClient): Promise<ListedDisclosure[]> {
    const response = await client.get(`/api/disclosures?patient=${patient}&limit=1000`);
    expect(response.status, response.describe()).to.equal(200);
    return response.json<{ entries: ListedDisclosure[] }>().entries;
  }

  /** Every entry anchored and proven, each sequence number once, the numbers contiguous. */
  async function expectEachAnchoredOnce(entries: ListedDisclosure[]) {
    await expectVerifiable(entries);
    const seqs = entries.map((e) => Number(e.seq)).sort((a, b) => a - b);
    expect(new Set(seqs).size, "no duplicate").to.equal(seqs.length);
    expect(seqs[seqs.length - 1] - seqs[0] + 1, "no gap").to.equal(seqs.length);
  }

  it("on-demand anchoring by any account sends at most one transaction an interval; later calls say when the next may be", async () => {
    const server = await stack.startServer();
    const { on, read } = await serverWithRecord(server);
    const nonceBefore = await gatewayNonce();
    const fromBlock = BigInt(await blockNumber());
    const answers: { anchored: AnchorInfo | null; nextAnchorAt?: number }[] = [];
    for (let call = 0; call < 5; call++) {
      await read();
      const response = await on(STRANGER).request("POST", "/api/disclosures/anchor");
      expect(response.status, response.describe()).to.equal(200);
      answers.push(response.json());
    }
    expect(await gatewayNonce(), "one anchor transaction").to.equal(nonceBefore + 1);
    expect(await anchoredEvents(fromBlock)).to.equal(1);
    expect(answers[0].anchored).to.not.equal(null);
    for (const answer of answers.slice(1)) {
      expect(answer.anchored).to.equal(null);
      expect(answer.nextAnchorAt).to.be.within(Date.now() / 1000, Date.now() / 1000 + 61);
    }
    await server.stop();
  });

  it("only an operator forces an anchor: a stranger's ?force=true is refused (403), the operator's is sent at once", async () => {
    const server = await stack.startServer();
    const { on, read } = await serverWithRecord(server);
    await read();
    const first = await on(STRANGER).request("POST", "/api/disclosures/anchor");
    expect(first.json<{ anchored: AnchorInfo | null }>().anchored).to.not.equal(null);
    await read();
    const nonceBefore = await gatewayNonce();
    expectError(await on(STRANGER).request("POST", "/api/disclosures/anchor?force=true"), 403, "not_operator");
    expectError(await on(PATIENT).request("POST", "/api/disclosures/anchor?force=true"), 403, "not_operator");
    expectError(await on(OPERATOR).request("POST", "/api/disclosures/anchor?force=maybe"), 400);
    expect(await gatewayNonce(), "a refused force sends nothing").to.equal(nonceBefore);
    const forced = await on(OPERATOR).request("POST", "/api/disclosures/anchor?force=true");
    expect(forced.status, forced.describe()).to.equal(200);
    expect(forced.json<{ anchored: AnchorInfo | null }>().anchored).to.not.equal(null);
    expect(await gatewayNonce()).to.equal(nonceBefore + 1);
    await expectEachAnchoredOnce(await listedOn(on(PATIENT)));
    await server.stop();
  });

  describe("a crash between the anchor transaction and its bookkeeping", () => {
    /** Sends a forced anchor with automining off and SIGKILLs the server once the transaction waits in the pool. */
    async function crashWhileAnchoring(server: GatewayServer, operator: GatewayClient): Promise<Hex> {
      const pendingBefore = await gatewayNonce("pending");
      await rpc(stack.chain.url, "evm_setAutomine", [false]);
      try {
        const request = operator.request("POST", "/api/disclosures/anchor?force=true").catch((error: Error) => error);
        for (let tries = 0; (await gatewayNonce("pending")) === pendingBefore; tries++) {
          if (tries > 600) throw new Error("the anchor transaction never reached the pool");
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await server.kill();
        expect(await request, "the request died with the server").to.be.instanceOf(Error);
        const pool = await rpc<{ hash: Hex; from: string }[]>(stack.chain.url, "eth_pendingTransactions");
        return pool.find((tx) => getAddress(tx.from) === gatewayAddress)!.hash;
      } catch (error) {
        await rpc(stack.chain.url, "evm_setAutomine", [true]);
        throw error;
      }
    }

    it("the transaction is mined after the crash: the restarted gateway marks the batch anchored, every read proven once", async () => {
      const server = await stack.startServer();
      const { on, read } = await serverWithRecord(server);
      const requestIds = [await read(), await read(), await read()];
      const fromBlock = BigInt(await blockNumber());
      const nonceBefore = await gatewayNonce();
      await crashWhileAnchoring(server, on(OPERATOR));
      await rpc(stack.chain.url, "evm_mine");
      await rpc(stack.chain.url, "evm_setAutomine", [true]);

      const restarted = await stack.startServer({}, { sameDataAs: server });
      const patientClient = new GatewayClient(restarted.url, stack.contracts.account(PATIENT));
      await patientClient.signIn();
      const entries = await listedOn(patientClient);
      expect(entries.map((e) => e.requestId)).to.have.members(requestIds);
      await expectEachAnchoredOnce(entries);
      expect(await anchoredEvents(fromBlock), "exactly one batch").to.equal(1);
      // Nothing is left to anchor, and nothing is sent again.
      const operator = new GatewayClient(restarted.url, stack.contracts.account(OPERATOR));
      await operator.signIn();
      const again = await operator.request("POST", "/api/disclosures/anchor?force=true");
      expect(again.json<{ anchored: unknown }>().anchored).to.equal(null);
      expect(await gatewayNonce()).to.equal(nonceBefore + 1);
      await restarted.stop();
    });

    it("the transaction is dropped after the crash: the restarted gateway sends the same signed bytes again", async () => {
      const server = await stack.startServer();
      const { on, read } = await serverWithRecord(server);
      const requestIds = [await read(), await read()];
      const fromBlock = BigInt(await blockNumber());
      const nonceBefore = await gatewayNonce();
      const hash = await crashWhileAnchoring(server, on(OPERATOR));
      await rpc(stack.chain.url, "hardhat_dropTransaction", [hash]);
      await rpc(stack.chain.url, "evm_setAutomine", [true]);

      const restarted = await stack.startServer({}, { sameDataAs: server });
      const operator = new GatewayClient(restarted.url, stack.contracts.account(OPERATOR));
      await operator.signIn();
      // The start re-sent the planned transaction; this run reconciles it, and has nothing new to plan.
      const after = await operator.request("POST", "/api/disclosures/anchor?force=true");
      expect(after.status, after.describe()).to.equal(200);
      const receipt = await stack.contracts.publicClient.getTransactionReceipt({ hash });
      expect(receipt.status, "the very transaction signed before the crash").to.equal("success");
      const patientClient = new GatewayClient(restarted.url, stack.contracts.account(PATIENT));
      await patientClient.signIn();
      const entries = await listedOn(patientClient);
      expect(entries.map((e) => e.requestId)).to.have.members(requestIds);
      await expectEachAnchoredOnce(entries);
      expect(entries.every((e) => e.anchor!.txHash === hash)).to.equal(true);
      expect(await anchoredEvents(fromBlock)).to.equal(1);
      expect(await gatewayNonce()).to.equal(nonceBefore + 1);
      await restarted.stop();
    });
  });

  it("two gateway processes on one PostgreSQL, with interleaved commits and anchoring: no gap, no duplicate, every read proven", async function () {
    if (stack.server.query === undefined) return this.skip(); // PGlite belongs to one process
    const first = await stack.startServer();
    const second = await stack.startServer({}, { sameDataAs: first });
    const { on, record, readOn } = await serverWithRecord(first);
    const clientsOf = async (server: GatewayServer) => {
      const reader = new GatewayClient(server.url, stack.contracts.account(READER));
      const operator = new GatewayClient(server.url, stack.contracts.account(OPERATOR));
      await reader.signIn();
      await operator.signIn();
      return { reader, operator };
    };
    const [a, b] = [await clientsOf(first), await clientsOf(second)];
    const forceAnchor = async (client: GatewayClient) => {
      const response = await client.request("POST", "/api/disclosures/anchor?force=true");
      expect(response.status, response.describe()).to.equal(200);
    };
    // A read whose row is committed only after batches were planned around it: the gateway's read statement, held open.
    const { Client } = await import("pg");
    const late = new Client({ connectionString: first.databaseUrl });
    await late.connect();
    await late.query("BEGIN");
    await late.query(
      `INSERT INTO disclosures (reader, patient, record_id, purpose, served_at, request_id)
       VALUES ($1, $2, $3, $4, $5, gen_random_uuid())`,
      [address(READER), patient, record.recordId.toString(), TREATMENT, Math.floor(Date.now() / 1000)],
    );
    const requestIds: string[] = [];
    for (let round = 0; round < 4; round++) {
      const reads = [a.reader, b.reader, a.reader, b.reader].map((client) => readOn(client));
      const anchors = [forceAnchor(a.operator), forceAnchor(b.operator)];
      requestIds.push(...(await Promise.all(reads)));
      await Promise.all(anchors);
      if (round === 1) await late.query("COMMIT");
    }
    await late.end();
    for (const client of [a.operator, b.operator]) await forceAnchor(client);
    const entries = await listedOn(on(PATIENT));
    expect(entries).to.have.length(requestIds.length + 1);
    expect(entries.map((e) => e.requestId)).to.include.members(requestIds);
    await expectEachAnchoredOnce(entries);
    await second.stop();
    await first.stop();
  });
});
