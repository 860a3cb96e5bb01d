// Blob bindings, quotas, expiry, streaming and the patient's own key stored with the upload, through the running
// gateway: a record's bytes are served only when they were uploaded for that patient, hash and category.
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Address, Hex } from "viem";
import { APPEND, READ, TREATMENT } from "@/lib/consentCodes";
import { cidOfHash, encryptRecord, fromBase64Url, toBase64Url, unwrapRecordKey, wrapRecordKey } from "@/lib/vault";
import { GatewayClient, type GatewayResponse } from "@/harness/gatewayHttpClient";
import { hardhatAccount } from "@/harness/localNode";
import { expectError } from "./expectations";
import { startGatewayStack, TEST_MAX_BLOB_BYTES, type GatewayServer, type GatewayStack } from "@/harness/gatewayStack";
import {
  blobPath,
  keyPath,
  newKeyPair,
  recordPath,
  storeRecord,
  type KeyPair,
  type StoredRecord,
} from "@/harness/storedRecords";

const LAB_RESULTS = 4;
const MEDICATIONS = 2;
const bit = (category: number) => 1n << BigInt(category);
const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}` as Hex;

// Hardhat accounts: who is who in this file.
const VICTIM = 1;
const ATTACKER = 2; // its own patient: fresh wallets are free
const TWIN = 3; // uploads the very same bytes as VICTIM
const AUTHOR = 4; // a provider with READ and APPEND on VICTIM's lab results
const QUOTA_P = 5;
const QUOTA_Q = 6;
const QUOTA_R = 7;
const EXPIRY = 8;

/** A wrapped key of the right shape (version 1, 105 bytes) that opens nothing: what an attacker can always make. */
const forgedWrappedKey = () => toBase64Url(new Uint8Array([1, ...randomBytes(104)]));

describe("Gateway: blob bindings, quotas, expiry and streaming", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  const keys = new Map<number, KeyPair>();
  const address = (index: number) => hardhatAccount(index).address;
  const keyOf = (index: number) => keys.get(index)!;
  const clients = new Map<string, GatewayClient>();

  /** A client of `server` signed in as Hardhat account `index` (one per server and account). */
  async function as(index: number, server: GatewayServer = stack.server): Promise<GatewayClient> {
    const id = `${server.url} ${index}`;
    let client = clients.get(id);
    if (client === undefined) {
      client = new GatewayClient(server.url, stack.contracts.account(index));
      await client.signIn();
      clients.set(id, client);
    }
    return client;
  }

  const store = async (patientIndex: number, label: string, extra: Partial<Parameters<typeof storeRecord>[0]> = {}) =>
    storeRecord({
      chain: stack.contracts,
      uploader: await as(patientIndex),
      authorIndex: patientIndex,
      patient: address(patientIndex),
      patientKey: keyOf(patientIndex),
      category: LAB_RESULTS,
      label,
      ...extra,
    });

  /** Reads `record` as its patient and checks it decrypts with the patient's key to exactly the ciphertext stored. */
  async function expectPatientReads(record: StoredRecord, patientIndex: number, server = stack.server) {
    const response = await (await as(patientIndex, server)).get(recordPath(record.patient, record.recordId));
    expect(response.status, response.describe()).to.equal(200);
    expect(Buffer.from(response.bytes).equals(Buffer.from(record.ciphertext))).to.equal(true);
    const recordKey = unwrapRecordKey(
      fromBase64Url(response.headers.get("x-wrapped-key") ?? ""),
      keyOf(patientIndex).secretKey,
      record.contentHash,
    );
    expect(Buffer.from(recordKey).equals(Buffer.from(record.recordKey))).to.equal(true);
    return response;
  }

  async function disclosuresOf(patientIndex: number): Promise<unknown[]> {
    const response = await (await as(patientIndex)).get(`/api/disclosures?patient=${address(patientIndex)}`);
    expect(response.status, response.describe()).to.equal(200);
    return response.json<{ entries: unknown[] }>().entries;
  }

  /** The stored name of a patient's copy: `<patient>/<cid>` (a file in the folder, or an object key). */
  const storedName = (patient: Address, cid: string) => `${patient.toLowerCase()}/${cid}`;
  const blobFile = (server: GatewayServer, patient: Address, cid: string) =>
    path.join(server.dataDir, "blobs", patient.toLowerCase(), cid);

  before(async () => {
    stack = await startGatewayStack();
    for (const index of [VICTIM, ATTACKER, TWIN, AUTHOR, QUOTA_P, QUOTA_Q, QUOTA_R, EXPIRY])
      keys.set(index, newKeyPair());
    await stack.contracts.registerProvider(AUTHOR, "Author clinic");
    await stack.contracts.grantConsent(VICTIM, address(AUTHOR), {
      categories: bit(LAB_RESULTS),
      actions: READ | APPEND,
      purposes: TREATMENT,
    });
  });

  after(async () => {
    await stack?.stop();
  });

  describe("binding: bytes are served only to the record of the patient and category they were uploaded for", () => {
    it("refuses the content-hash reuse attack: another patient's hash in the attacker's own record gets 404, nothing logged", async () => {
      const victimRecord = await store(VICTIM, "victim: HIV test result");
      const attacker = await as(ATTACKER);
      // The victim's contentHash is public (RecordAdded); the attacker registers it as a record of its own...
      const recordId = await stack.contracts.addRecord(
        ATTACKER,
        address(ATTACKER),
        victimRecord.contentHash,
        LAB_RESULTS,
        victimRecord.cid,
      );
      // ...stores any 105-byte "wrapped key" for itself (it is the patient of that record)...
      const key = await attacker.putJson(keyPath(address(ATTACKER), recordId, address(ATTACKER)), {
        wrappedKey: forgedWrappedKey(),
      });
      expect(key.status, key.describe()).to.equal(201);
      // ...and asks for the record: the gateway must not hand out the victim's ciphertext.
      const response = await attacker.get(recordPath(address(ATTACKER), recordId));
      expectError(response, 404, "blob_not_found");
      expect(Buffer.from(response.bytes).includes(Buffer.from(victimRecord.ciphertext.subarray(0, 64)))).to.equal(
        false,
      );
      expect(await disclosuresOf(ATTACKER), "nothing logged as served").to.deep.equal([]);
      // The victim still reads their own record.
      await expectPatientReads(victimRecord, VICTIM);
    });

    it("keeps identical bytes of two patients apart: each its own copy (201 both times), each reads only its own", async () => {
      const sealed = await encryptRecord({ bytes: randomBytes(3000), name: "same.pdf", type: "application/pdf" });
      const upload = async (index: number) =>
        (await as(index)).putBytes(blobPath(sealed.cid, address(index), LAB_RESULTS), sealed.ciphertext);
      const first = await upload(VICTIM);
      expect(first.status, first.describe()).to.equal(201);
      // 201, not 200: the answer never says whether another patient stored these bytes.
      const second = await upload(TWIN);
      expect(second.status, second.describe()).to.equal(201);
      expect((await upload(TWIN)).status, "the same patient again").to.equal(200);
      const stored = await stack.server.storedBlobs();
      expect(stored.some((name) => name.endsWith(storedName(address(VICTIM), sealed.cid)))).to.equal(true);
      expect(stored.some((name) => name.endsWith(storedName(address(TWIN), sealed.cid)))).to.equal(true);

      const records: StoredRecord[] = [];
      for (const index of [VICTIM, TWIN]) {
        const recordId = await stack.contracts.addRecord(
          index,
          address(index),
          sealed.contentHash,
          LAB_RESULTS,
          sealed.cid,
        );
        const record: StoredRecord = {
          patient: address(index),
          recordId,
          category: LAB_RESULTS,
          plaintext: new Uint8Array(),
          name: "same.pdf",
          type: "application/pdf",
          ...sealed,
        };
        const wrapped = wrapRecordKey(sealed.recordKey, keyOf(index).publicKey, sealed.contentHash);
        const put = await (
          await as(index)
        ).putJson(keyPath(record.patient, recordId, record.patient), {
          wrappedKey: toBase64Url(wrapped),
        });
        expect(put.status, put.describe()).to.equal(201);
        records.push(record);
      }
      if (stack.backend === "default" || stack.backend === "postgres") {
        // Removing the victim's copy does not take the twin's with it: two copies, not one name (before any read,
        // so no cached copy answers for the disk).
        rmSync(blobFile(stack.server, address(VICTIM), sealed.cid));
        await expectPatientReads(records[1], TWIN);
        expectError(
          await (await as(VICTIM)).get(recordPath(address(VICTIM), records[0].recordId)),
          404,
          "blob_not_found",
        );
        expect((await upload(VICTIM)).status, "repaired by uploading again").to.equal(200);
      }
      for (const [i, index] of [VICTIM, TWIN].entries()) await expectPatientReads(records[i], index);
    });

    it("refuses a record whose category differs from the upload's: 404 blob_category_mismatch; a re-upload in another category is 409", async () => {
      const sealed = await encryptRecord({ bytes: randomBytes(2000), name: "lab.pdf", type: "application/pdf" });
      const victim = await as(VICTIM);
      expect(
        (await victim.putBytes(blobPath(sealed.cid, address(VICTIM), LAB_RESULTS), sealed.ciphertext)).status,
      ).to.equal(201);
      expectError(
        await victim.putBytes(blobPath(sealed.cid, address(VICTIM), MEDICATIONS), sealed.ciphertext),
        409,
        "blob_category_conflict",
      );
      const recordId = await stack.contracts.addRecord(
        VICTIM,
        address(VICTIM),
        sealed.contentHash,
        MEDICATIONS,
        sealed.cid,
      );
      const wrapped = wrapRecordKey(sealed.recordKey, keyOf(VICTIM).publicKey, sealed.contentHash);
      expect(
        (
          await victim.putJson(keyPath(address(VICTIM), recordId, address(VICTIM)), {
            wrappedKey: toBase64Url(wrapped),
          })
        ).status,
      ).to.equal(201);
      const before = (await disclosuresOf(VICTIM)).length;
      expectError(await victim.get(recordPath(address(VICTIM), recordId)), 404, "blob_category_mismatch");
      expect((await disclosuresOf(VICTIM)).length, "nothing logged").to.equal(before);
    });
  });

  describe("the patient's own key, stored with the upload before addRecord", () => {
    it("opens the record for the patient even though the own-key PUT after addRecord never happened", async () => {
      const record = await store(VICTIM, "own key PUT failed", { pendingKey: true, skipOwnKeyPut: true });
      await expectPatientReads(record, VICTIM);
    });

    it("lists it among the patient's keys once the record is on chain (GET /api/records/{patient}/keys)", async () => {
      const record = await store(VICTIM, "listed after mining", { pendingKey: true, skipOwnKeyPut: true });
      const response = await (await as(VICTIM)).get(`/api/records/${address(VICTIM)}/keys`);
      expect(response.status, response.describe()).to.equal(200);
      const own = response
        .json<{ keys: { recordId: string; wrappedKey: string }[] }>()
        .keys.find((k) => String(k.recordId) === String(record.recordId));
      expect(own, "the promoted key").not.to.equal(undefined);
      const recordKey = unwrapRecordKey(fromBase64Url(own!.wrappedKey), keyOf(VICTIM).secretKey, record.contentHash);
      expect(Buffer.from(recordKey).equals(Buffer.from(record.recordKey))).to.equal(true);
    });

    it("an author uploading for the patient may set it only while none exists; the patient may replace it", async () => {
      const sealed = await encryptRecord({ bytes: randomBytes(1500), name: "note.txt", type: "text/plain" });
      const path_ = blobPath(sealed.cid, address(VICTIM), LAB_RESULTS);
      const good = toBase64Url(wrapRecordKey(sealed.recordKey, keyOf(VICTIM).publicKey, sealed.contentHash));
      const author = await as(AUTHOR);
      expect((await author.putBytes(path_, sealed.ciphertext, { "x-wrapped-key": good })).status).to.equal(201);
      // The same upload again (a retry) is fine; another key from the author is refused, and changes nothing.
      expect((await author.putBytes(path_, sealed.ciphertext, { "x-wrapped-key": good })).status).to.equal(200);
      expectError(
        await author.putBytes(path_, sealed.ciphertext, { "x-wrapped-key": forgedWrappedKey() }),
        409,
        "pending_key_exists",
      );
      expectError(await author.putBytes(path_, sealed.ciphertext, { "x-wrapped-key": "not-a-key" }), 400);
      const recordId = await stack.contracts.addRecord(
        AUTHOR,
        address(VICTIM),
        sealed.contentHash,
        LAB_RESULTS,
        sealed.cid,
      );
      const record: StoredRecord = {
        patient: address(VICTIM),
        recordId,
        category: LAB_RESULTS,
        plaintext: new Uint8Array(),
        name: "note.txt",
        type: "text/plain",
        ...sealed,
      };
      await expectPatientReads(record, VICTIM);
    });
  });

  describe("damaged copies and streaming", () => {
    it("never serves a torn or corrupted copy, deletes it, and a re-upload of the same bytes repairs it", async function () {
      if (stack.backend !== "default" && stack.backend !== "postgres") this.skip(); // a folder store only
      const patient = address(VICTIM);
      for (const damage of ["truncate", "flip"] as const) {
        const record = await store(VICTIM, `to be damaged: ${damage}`, { size: 8192 });
        const file = blobFile(stack.server, patient, record.cid);
        if (damage === "truncate") truncateSync(file, 100);
        else {
          const bytes = readFileSync(file);
          bytes[bytes.length - 1] ^= 1;
          writeFileSync(file, bytes);
        }
        const before = (await disclosuresOf(VICTIM)).length;
        expectError(await (await as(VICTIM)).get(recordPath(patient, record.recordId)), 404, "blob_damaged");
        expect(existsSync(file), "the damaged copy is deleted").to.equal(false);
        expect((await disclosuresOf(VICTIM)).length, "nothing logged").to.equal(before);
        const again = await (await as(VICTIM)).putBytes(blobPath(record.cid, patient, LAB_RESULTS), record.ciphertext);
        expect(again.status, again.describe()).to.equal(200);
        await expectPatientReads(record, VICTIM);
      }
    });

    it("streams a chunked upload of the largest size allowed to the store and back", async () => {
      const bytes = new Uint8Array(TEST_MAX_BLOB_BYTES).fill(0x5a); // what streamedPut sends
      const cid = cidOfHash(sha256(bytes));
      const victim = await as(VICTIM);
      const { response } = await victim.streamedPut(blobPath(cid, address(VICTIM), LAB_RESULTS), bytes.length);
      expect(response.status, response.describe()).to.equal(201);
      expect(response.json()).to.include({ size: TEST_MAX_BLOB_BYTES });
      const recordId = await stack.contracts.addRecord(VICTIM, address(VICTIM), sha256(bytes), LAB_RESULTS, cid);
      await victim.putJson(keyPath(address(VICTIM), recordId, address(VICTIM)), { wrappedKey: forgedWrappedKey() });
      const read = await victim.get(recordPath(address(VICTIM), recordId));
      expect(read.status, read.describe()).to.equal(200);
      // Streamed: Next may send it chunked instead of with the Content-Length the gateway sets.
      expect([null, String(TEST_MAX_BLOB_BYTES)]).to.include(read.headers.get("content-length"));
      expect(Buffer.from(read.bytes).equals(Buffer.from(bytes))).to.equal(true);
    });
  });

  describe("quotas", () => {
    const BLOB = 3000;
    let server: GatewayServer;
    /** Random bytes of BLOB length: the gateway stores any bytes whose hash is their CID. */
    const newBlob = () => {
      const bytes = new Uint8Array(randomBytes(BLOB));
      return { bytes, hash: sha256(bytes), cid: cidOfHash(sha256(bytes)) };
    };
    const upload = async (index: number, blob: ReturnType<typeof newBlob>): Promise<GatewayResponse> =>
      (await as(index, server)).putBytes(blobPath(blob.cid, address(index), LAB_RESULTS), blob.bytes);
    const register = (index: number, blob: ReturnType<typeof newBlob>) =>
      stack.contracts.addRecord(index, address(index), blob.hash, LAB_RESULTS, blob.cid);

    before(async () => {
      server = await stack.startServer({
        GATEWAY_ACCOUNT_QUOTA_BYTES: "10000",
        GATEWAY_PENDING_QUOTA_BYTES: "7000",
        GATEWAY_PENDING_TOTAL_BYTES: "10000",
      });
    });

    after(async () => {
      await server?.stop();
    });

    it("refuses a patient's unregistered files past the pending quota (429 pending_quota_exceeded), until they are registered", async () => {
      const [b1, b2, b3] = [newBlob(), newBlob(), newBlob()];
      expect((await upload(QUOTA_P, b1)).status).to.equal(201);
      expect((await upload(QUOTA_P, b2)).status).to.equal(201);
      const before = await server.storedBlobs();
      const refused = expectError(await upload(QUOTA_P, b3), 429, "pending_quota_exceeded");
      expect(refused.message).to.include("7000 bytes");
      expect(await server.storedBlobs()).to.deep.equal(before);
      // Registering b1 on chain makes room: the gateway asks the chain before refusing again.
      await register(QUOTA_P, b1);
      expect((await upload(QUOTA_P, b3)).status).to.equal(201);
    });

    it("refuses a file past the account's quota (403 quota_exceeded), storing nothing", async () => {
      // P holds b1, b2 and b3: 9000 of its 10000 bytes.
      const b4 = newBlob();
      const before = await server.storedBlobs();
      const refused = expectError(await upload(QUOTA_P, b4), 403, "quota_exceeded");
      expect(refused.message).to.include("10000 bytes");
      expect(await server.storedBlobs()).to.deep.equal(before);
    });

    it("refuses unregistered files of all accounts together past the global cap, also for a chunked upload", async () => {
      // P has 6000 unregistered bytes (b2, b3); Q adds 3000: 9000 of 10000.
      expect((await upload(QUOTA_Q, newBlob())).status).to.equal(201);
      const before = await server.storedBlobs();
      const refused = expectError(await upload(QUOTA_R, newBlob()), 429, "pending_quota_exceeded");
      expect(refused.message).to.include("all accounts together");
      // Without a Content-Length the size is known only once received: still refused, still nothing stored.
      const { response } = await (
        await as(QUOTA_R, server)
      ).streamedPut(blobPath(cidOfHash(sha256(new Uint8Array(BLOB).fill(0x5a))), address(QUOTA_R), LAB_RESULTS), BLOB);
      expectError(response, 429, "pending_quota_exceeded");
      expect(await server.storedBlobs()).to.deep.equal(before);
    });
  });

  describe("expiry of files no record references", () => {
    it("deletes an unregistered file after GATEWAY_UNREFERENCED_BLOB_TTL_SECONDS and keeps a registered one", async () => {
      const server = await stack.startServer({
        GATEWAY_UNREFERENCED_BLOB_TTL_SECONDS: "2",
        GATEWAY_BLOB_SWEEP_INTERVAL_SECONDS: "1",
      });
      try {
        const patient = address(EXPIRY);
        const client = await as(EXPIRY, server);
        const orphan = await encryptRecord({ bytes: randomBytes(1000), name: "o.txt", type: "text/plain" });
        const kept = await encryptRecord({ bytes: randomBytes(1000), name: "k.txt", type: "text/plain" });
        for (const sealed of [orphan, kept]) {
          const put = await client.putBytes(blobPath(sealed.cid, patient, LAB_RESULTS), sealed.ciphertext);
          expect(put.status, put.describe()).to.equal(201);
        }
        // Registered on chain only: the gateway has not seen the record, so the sweep must ask the chain.
        const recordId = await stack.contracts.addRecord(EXPIRY, patient, kept.contentHash, LAB_RESULTS, kept.cid);
        let stored = await server.storedBlobs();
        for (let i = 0; i < 120 && stored.some((name) => name.endsWith(orphan.cid)); i++) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          stored = await server.storedBlobs();
        }
        expect(
          stored.some((name) => name.endsWith(storedName(patient, orphan.cid))),
          "orphan deleted",
        ).to.equal(false);
        expect(
          stored.some((name) => name.endsWith(storedName(patient, kept.cid))),
          "registered kept",
        ).to.equal(true);
        const wrapped = wrapRecordKey(kept.recordKey, keyOf(EXPIRY).publicKey, kept.contentHash);
        await client.putJson(keyPath(patient, recordId, patient), { wrappedKey: toBase64Url(wrapped) });
        const read = await client.get(recordPath(patient, recordId));
        expect(read.status, read.describe()).to.equal(200);
        // The orphan's binding went with its bytes: uploading it again is new.
        expect((await client.putBytes(blobPath(orphan.cid, patient, LAB_RESULTS), orphan.ciphertext)).status).to.equal(
          201,
        );
      } finally {
        await server.stop();
      }
    });
  });
});
