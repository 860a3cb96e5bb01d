// Records through the running gateway: upload, register, wrap, read; and every way a read, an upload or a key must
// be refused, each asserting that nothing was served or stored.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { getAddress, type Address } from "viem";
import { APPEND, READ, TREATMENT } from "@/lib/consentCodes";
import { cidOfHash, decryptRecord, fromBase64Url, toBase64Url, unwrapRecordKey, wrapRecordKey } from "@/lib/vault";
import { hardhatAccount, rpc } from "@/harness/localNode";
import { expectError, expectNothingServed, expectRefusal, expectRejectedId, UUID } from "./expectations";
import { GatewayClient } from "@/harness/gatewayHttpClient";
import { startGatewayStack, TEST_MAX_BLOB_BYTES, type GatewayStack } from "@/harness/gatewayStack";
import {
  blobPath,
  keyPath,
  newKeyPair,
  putWrappedKey,
  recordPath,
  storeRecord,
  type KeyPair,
  type StoredRecord,
} from "@/harness/storedRecords";

const LAB_RESULTS = 4;
const MEDICATIONS = 2;
const MENTAL_HEALTH = 32;
const bit = (category: number) => 1n << BigInt(category);
const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;

// Hardhat accounts: who is who in this file.
const PATIENT = 10;
const READER = 11; // READ on lab results and medications, for treatment
const NO_CONSENT = 12; // a registered provider the patient never granted
const SUSPENDED = 13; // had READ on lab results, then suspended by the registrar
const AUTHOR = 14; // READ and APPEND on lab results
const REVOKED = 15; // READ on lab results until the patient revokes it
const EXPIRING = 16; // READ on lab results for one hour
const STRANGER = 17; // not a provider at all
const REVOKED_AUTHOR = 18; // READ and APPEND on lab results until the patient revokes it
const LATE_READER = 9; // READ on lab results, on the server that deletes keys only at a confirmation depth

describe("Gateway: records, blobs and wrapped keys", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  const clients = new Map<number, GatewayClient>();
  const keys = new Map<number, KeyPair>();
  let patient: Address;
  let labResults: StoredRecord;
  let mentalHealth: StoredRecord;

  const as = (index: number) => clients.get(index)!;
  const address = (index: number) => hardhatAccount(index).address;
  const keyOf = (index: number) => keys.get(index)!;

  before(async () => {
    stack = await startGatewayStack();
    const chain = stack.contracts;
    patient = address(PATIENT);
    for (const index of [PATIENT, READER, NO_CONSENT, SUSPENDED, AUTHOR, REVOKED, EXPIRING, STRANGER, REVOKED_AUTHOR]) {
      clients.set(index, new GatewayClient(stack.url, chain.account(index)));
      keys.set(index, newKeyPair());
    }
    keys.set(LATE_READER, newKeyPair());
    for (const index of [READER, NO_CONSENT, SUSPENDED, AUTHOR, REVOKED, EXPIRING, REVOKED_AUTHOR, LATE_READER]) {
      await chain.registerProvider(index, `Provider ${index}`);
    }
    const labRead = { categories: bit(LAB_RESULTS), actions: READ, purposes: TREATMENT };
    await chain.grantConsent(PATIENT, address(READER), { ...labRead, categories: bit(LAB_RESULTS) | bit(MEDICATIONS) });
    await chain.grantConsent(PATIENT, address(SUSPENDED), labRead);
    await chain.grantConsent(PATIENT, address(AUTHOR), { ...labRead, actions: READ | APPEND });
    await chain.grantConsent(PATIENT, address(REVOKED_AUTHOR), { ...labRead, actions: READ | APPEND });
    await chain.grantConsent(PATIENT, address(REVOKED), labRead);
    await chain.grantConsent(PATIENT, address(EXPIRING), { ...labRead, expiresIn: 3600 });
    for (const client of clients.values()) await client.signIn();

    const store = (category: number, label: string) =>
      storeRecord({
        chain,
        uploader: as(PATIENT),
        authorIndex: PATIENT,
        patient,
        patientKey: keyOf(PATIENT),
        category,
        label,
      });
    labResults = await store(LAB_RESULTS, "lab results: HbA1c 5.4 %");
    mentalHealth = await store(MENTAL_HEALTH, "therapy notes");
    for (const reader of [READER, SUSPENDED, AUTHOR, REVOKED, EXPIRING]) {
      const response = await putWrappedKey(as(PATIENT), labResults, address(reader), keyOf(reader).publicKey);
      expect(response.status, response.describe()).to.equal(201);
    }
    await chain.suspendProvider(address(SUSPENDED));
  });

  after(async () => {
    await stack?.stop();
  });

  /** Reads `record` as `index` and checks it decrypts, with that reader's key, to the original file. */
  async function expectReadable(index: number, record: StoredRecord, purpose = "treatment") {
    const response = await as(index).get(recordPath(record.patient, record.recordId, purpose));
    expect(response.status, response.describe()).to.equal(200);
    const recordKey = unwrapRecordKey(
      fromBase64Url(response.headers.get("x-wrapped-key") ?? ""),
      keyOf(index).secretKey,
      record.contentHash,
    );
    const file = await decryptRecord(response.bytes, recordKey);
    expect(Buffer.from(file.bytes).equals(Buffer.from(record.plaintext))).to.equal(true);
    return response;
  }

  /** The patient's own wrapped keys, as GET /api/records/{patient}/keys lists them. */
  async function patientKeyIds(): Promise<string[]> {
    const response = await as(PATIENT).get(`/api/records/${patient}/keys`);
    expect(response.status, response.describe()).to.equal(200);
    return response.json<{ keys: { recordId: string | number }[] }>().keys.map((k) => String(k.recordId));
  }

  describe("GET /api/records/{patient}/{recordId}", () => {
    it("serves the patient their record: the exact ciphertext, the wrapped key and the record's headers", async () => {
      const response = await as(PATIENT).get(recordPath(patient, labResults.recordId));
      expect(response.status, response.describe()).to.equal(200);
      expect(Buffer.from(response.bytes).equals(Buffer.from(labResults.ciphertext))).to.equal(true);
      expect(response.headers.get("content-type")).to.equal("application/octet-stream");
      expect(response.headers.get("cache-control")).to.include("no-store");
      expect(response.headers.get("x-content-hash")).to.equal(labResults.contentHash);
      expect(response.headers.get("x-record-category")).to.equal(String(LAB_RESULTS));
      expect(getAddress(response.headers.get("x-record-author") ?? "")).to.equal(patient);
      // The read's id in the disclosure log, and the block its access was decided at; its seq comes at anchoring.
      expect(response.headers.get("x-disclosure-id")).to.match(/^[1-9]\d*$/);
      expect(response.headers.get("x-decision-block")).to.match(/^[1-9]\d*$/);
      expect(response.headers.get("x-disclosure-seq")).to.equal(null);
      expect(response.headers.get("x-request-id")).to.match(UUID);
      const recordKey = unwrapRecordKey(
        fromBase64Url(response.headers.get("x-wrapped-key")!),
        keyOf(PATIENT).secretKey,
        labResults.contentHash,
      );
      expect(Buffer.from(recordKey).equals(Buffer.from(labResults.recordKey))).to.equal(true);
    });

    it("serves a provider with consent (?purpose=treatment): it decrypts to the file, and its hash is the chain's", async () => {
      const response = await expectReadable(READER, labResults);
      expect(sha256(response.bytes)).to.equal(labResults.contentHash);
      expect(
        await stack.contracts.verifyRecord(patient, labResults.recordId, sha256(response.bytes) as `0x${string}`),
      ).to.equal(true);
    });

    it("refuses a registered provider without consent: 403 AccessNoConsent", async () => {
      expectRefusal(await as(NO_CONSENT).get(recordPath(patient, labResults.recordId, "treatment")), "AccessNoConsent");
    });

    it("refuses an account that is not a provider: 403 AccessProviderInactive", async () => {
      expectRefusal(
        await as(STRANGER).get(recordPath(patient, labResults.recordId, "treatment")),
        "AccessProviderInactive",
      );
    });

    it("refuses a suspended provider, whose consent and key are still there: 403 AccessProviderInactive", async () => {
      expectRefusal(
        await as(SUSPENDED).get(recordPath(patient, labResults.recordId, "treatment")),
        "AccessProviderInactive",
      );
    });

    it("refuses a category outside the grant: 403 AccessCategoryNotGranted", async () => {
      expectRefusal(
        await as(READER).get(recordPath(patient, mentalHealth.recordId, "treatment")),
        "AccessCategoryNotGranted",
      );
    });

    it("refuses the wrong purpose: 403 AccessPurposeNotGranted", async () => {
      expectRefusal(
        await as(READER).get(recordPath(patient, labResults.recordId, "research")),
        "AccessPurposeNotGranted",
      );
      expectRefusal(
        await as(READER).get(recordPath(patient, labResults.recordId, "emergency")),
        "AccessPurposeNotGranted",
      );
    });

    it("refuses unknown and malformed purposes: 400", async () => {
      expectError(await as(READER).get(recordPath(patient, labResults.recordId, "curiosity")), 400, "bad_request");
      expectError(
        await as(READER).get(`${recordPath(patient, labResults.recordId)}?purpose=1; DROP TABLE`),
        400,
        "bad_request",
      );
    });

    it("answers 401 without a session", async () => {
      expectError(
        await new GatewayClient(stack.url).get(recordPath(patient, labResults.recordId, "treatment")),
        401,
        "not_signed_in",
      );
    });

    it("refuses a read a cross-site link or image could trigger (no X-MedConsent-Client): 403, nothing logged", async () => {
      const logged = async () =>
        (await as(PATIENT).get(`/api/disclosures?patient=${patient}`)).json<{ entries: unknown[] }>().entries.length;
      const before = await logged();
      // A signed-in reader's browser following a link from another site, with a purpose the link chose.
      const navigation = await as(READER).navigate(recordPath(patient, labResults.recordId, "treatment"));
      const body = expectError(navigation, 403, "client_header_required");
      expect(body.message).to.include("X-MedConsent-Client: 1");
      // The header alone is not enough when the browser says the request comes from another site.
      expectError(
        await as(READER).get(recordPath(patient, labResults.recordId, "treatment"), { "sec-fetch-site": "cross-site" }),
        403,
        "client_header_required",
      );
      expect(await logged(), "no disclosure was logged").to.equal(before);
      // The same read from the portal's own client is served.
      await expectReadable(READER, labResults);
      expect(await logged()).to.equal(before + 1);
    });

    it("answers 404 record_not_found for a record id past the patient's count, and for a patient without records", async () => {
      expectError(await as(PATIENT).get(recordPath(patient, 999)), 404, "record_not_found");
      expectError(await as(READER).get(recordPath(address(STRANGER), 1, "treatment")), 404, "record_not_found");
    });

    it("answers 404 key_not_found to a reader with consent but no wrapped key", async () => {
      // READER has READ on medications but no key was ever wrapped for this record.
      const medications = await storeRecord({
        chain: stack.contracts,
        uploader: as(PATIENT),
        authorIndex: PATIENT,
        patient,
        patientKey: keyOf(PATIENT),
        category: MEDICATIONS,
        label: "medications: metformin",
      });
      expectError(await as(READER).get(recordPath(patient, medications.recordId, "treatment")), 404, "key_not_found");
    });

    it("right after a revocation (the next block) refuses the reader and deletes its key; re-granting does not bring it back", async () => {
      await expectReadable(REVOKED, labResults);
      const patientKeysBefore = await patientKeyIds();
      await stack.contracts.revokeConsent(PATIENT, address(REVOKED));
      expectRefusal(await as(REVOKED).get(recordPath(patient, labResults.recordId, "treatment")), "AccessNoConsent");
      expect(await patientKeyIds()).to.deep.equal(patientKeysBefore);
      await stack.contracts.grantConsent(PATIENT, address(REVOKED), {
        categories: bit(LAB_RESULTS),
        actions: READ,
        purposes: TREATMENT,
      });
      expectError(await as(REVOKED).get(recordPath(patient, labResults.recordId, "treatment")), 404, "key_not_found");
    });
  });

  describe("PUT /api/blobs/{cid}", () => {
    async function encrypted(label: string, size = 4096) {
      const { encryptRecord } = await import("@/lib/vault");
      const bytes = new TextEncoder().encode(label.padEnd(size, "."));
      return encryptRecord({ bytes, name: "x.txt", type: "text/plain" });
    }

    it("refuses bytes that do not hash to the CID (400 cid_mismatch) and stores nothing", async () => {
      const blob = await encrypted("cid mismatch");
      const other = await encrypted("other bytes");
      const before = await stack.server.storedBlobs();
      expectError(
        await as(PATIENT).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), other.ciphertext),
        400,
        "cid_mismatch",
      );
      // Same length, one bit flipped.
      const flipped = new Uint8Array(blob.ciphertext);
      flipped[flipped.length - 1] ^= 1;
      expectError(await as(PATIENT).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), flipped), 400, "cid_mismatch");
      expect(await stack.server.storedBlobs()).to.deep.equal(before);
      const right = await as(PATIENT).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext);
      expect(right.status, `first good upload after the refusals: ${right.describe()}`).to.equal(201);
      expect(right.json()).to.include({ cid: blob.cid, contentHash: blob.contentHash, size: blob.ciphertext.length });
      const again = await as(PATIENT).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext);
      expect(again.status, again.describe()).to.equal(200);
    });

    it("refuses a body over the limit by its Content-Length: 413, nothing stored", async () => {
      const bytes = new Uint8Array(TEST_MAX_BLOB_BYTES + 1).fill(7);
      const cid = cidOfHash(sha256(bytes));
      const before = await stack.server.storedBlobs();
      expectError(await as(PATIENT).putBytes(blobPath(cid, patient, LAB_RESULTS), bytes), 413, "too_large");
      expect(await stack.server.storedBlobs()).to.deep.equal(before);
    });

    it("refuses a streamed (chunked) body over the limit: 413 without reading it all, nothing stored", async () => {
      const total = 4 * TEST_MAX_BLOB_BYTES;
      const cid = cidOfHash(sha256(new Uint8Array(total).fill(0x5a)));
      const before = await stack.server.storedBlobs();
      const { response, sent } = await as(PATIENT).streamedPut(blobPath(cid, patient, LAB_RESULTS), total);
      expectError(response, 413, "too_large");
      expect(sent, "bytes sent before the server answered").to.be.at.most(total);
      expect(await stack.server.storedBlobs()).to.deep.equal(before);
      // The server still works afterwards.
      const blob = await encrypted("after the stream");
      expect((await as(PATIENT).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext)).status).to.equal(
        201,
      );
    });

    it("accepts an author with APPEND for the declared category (201)", async () => {
      const blob = await encrypted("written by the author");
      const response = await as(AUTHOR).putBytes(
        blobPath(blob.cid, patient, LAB_RESULTS, "treatment"),
        blob.ciphertext,
      );
      expect(response.status, response.describe()).to.equal(201);
    });

    it("refuses a provider without APPEND (403 AccessActionNotGranted) and stores nothing", async () => {
      const blob = await encrypted("reader tries to write");
      const before = await stack.server.storedBlobs();
      expectRefusal(
        await as(READER).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext),
        "AccessActionNotGranted",
      );
      expect(await stack.server.storedBlobs()).to.deep.equal(before);
    });

    it("refuses an author outside its categories, a stranger and a suspended provider, storing nothing", async () => {
      const blob = await encrypted("uploads that must fail");
      const before = await stack.server.storedBlobs();
      expectRefusal(
        await as(AUTHOR).putBytes(blobPath(blob.cid, patient, MENTAL_HEALTH), blob.ciphertext),
        "AccessCategoryNotGranted",
      );
      expectRefusal(
        await as(STRANGER).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext),
        "AccessProviderInactive",
      );
      expectRefusal(
        await as(SUSPENDED).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext),
        "AccessProviderInactive",
      );
      expectRefusal(
        await as(AUTHOR).putBytes(blobPath(blob.cid, patient, LAB_RESULTS, "research"), blob.ciphertext),
        "AccessPurposeNotGranted",
      );
      expectError(
        await new GatewayClient(stack.url).putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext),
        401,
        "not_signed_in",
      );
      expect(await stack.server.storedBlobs()).to.deep.equal(before);
    });

    it("refuses a missing or malformed patient, category or purpose (400), storing nothing", async () => {
      const blob = await encrypted("bad parameters");
      const before = await stack.server.storedBlobs();
      for (const query of [
        `category=${LAB_RESULTS}`,
        `patient=${patient}`,
        `patient=0x1234&category=${LAB_RESULTS}`,
        `patient=${patient}&category=64`,
        `patient=${patient}&category=-1`,
        `patient=${patient}&category=4.5`,
        `patient=${patient}&category=lab`,
        `patient=${patient}&category=${LAB_RESULTS}&purpose=curiosity`,
      ]) {
        expectError(await as(PATIENT).putBytes(`/api/blobs/${blob.cid}?${query}`, blob.ciphertext), 400);
      }
      expect(await stack.server.storedBlobs()).to.deep.equal(before);
    });
  });

  describe("malformed and path-traversing ids", () => {
    const badPatients = [
      "..%2F..%2Fetc%2Fpasswd",
      "%2e%2e",
      "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "..",
      "0x1234",
      "0xZZ3C44CdDdB6a900fa2b585dd299e03d12FA4293",
      // Mixed case with a wrong checksum.
      "0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266",
      "0x" + "0".repeat(41),
      "%00",
    ];
    const badRecordIds = [
      "-1",
      "1e3",
      "0x1",
      "1.0",
      "%201",
      "%2e%2e",
      "..%2F..%2Fetc%2Fpasswd",
      "18446744073709551617",
      "9".repeat(80),
      "abc",
    ];

    it("record reads with malformed patients are refused (400/404) and serve nothing", async () => {
      for (const bad of badPatients) {
        expectRejectedId(await as(PATIENT).rawRequest("GET", `/api/records/${bad}/1`));
        expectRejectedId(await as(READER).rawRequest("GET", `/api/records/${bad}/1?purpose=treatment`));
      }
    });

    it("record reads with malformed record ids are refused (400/404) and serve nothing", async () => {
      for (const bad of [...badRecordIds, "0"]) {
        expectRejectedId(await as(PATIENT).rawRequest("GET", `/api/records/${patient}/${bad}`));
      }
    });

    it("blob uploads with malformed or traversing CIDs are refused (400/404) and store nothing", async () => {
      const blob = await encryptedBytes();
      const before = await stack.server.storedBlobs();
      const upper = blob.cid.toUpperCase();
      for (const bad of [
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "..",
        upper,
        // CIDv0 (dag-pb) and a CIDv1 with the dag-pb codec.
        "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        `${blob.cid}%2F..%2F..%2Fescape`,
        "bafkrei",
      ]) {
        const path = `/api/blobs/${bad}?patient=${patient}&category=${LAB_RESULTS}`;
        expectRejectedId(await as(PATIENT).rawRequest("PUT", path, blob.ciphertext));
      }
      expect(await stack.server.storedBlobs()).to.deep.equal(before);
    });

    it("key uploads with malformed ids are refused (400/404)", async () => {
      const wrappedKey = toBase64Url(
        wrapRecordKey(labResults.recordKey, keyOf(PATIENT).publicKey, labResults.contentHash),
      );
      for (const path of [
        `/api/records/${patient}/${labResults.recordId}/keys/..%2F..%2Fetc%2Fpasswd`,
        `/api/records/${patient}/${labResults.recordId}/keys/0x1234`,
        `/api/records/${patient}/0/keys/${patient}`,
        `/api/records/${patient}/-1/keys/${patient}`,
        `/api/records/%2e%2e/${labResults.recordId}/keys/${patient}`,
      ]) {
        const response = await as(PATIENT).rawRequest(
          "PUT",
          path,
          new TextEncoder().encode(JSON.stringify({ wrappedKey })),
        );
        expectRejectedId(response);
      }
    });

    async function encryptedBytes() {
      const { encryptRecord } = await import("@/lib/vault");
      return encryptRecord({ bytes: new TextEncoder().encode("traversal"), name: "t.txt", type: "text/plain" });
    }
  });

  describe("wrapped keys", () => {
    it("GET /api/records/{patient}/keys lists the patient's own keys, to the patient only", async () => {
      const ids = await patientKeyIds();
      expect(ids).to.include(String(labResults.recordId));
      const listed = (await as(PATIENT).get(`/api/records/${patient}/keys`)).json<{
        keys: { recordId: string | number; wrappedKey: string }[];
      }>();
      const own = listed.keys.find((k) => String(k.recordId) === String(labResults.recordId))!;
      const recordKey = unwrapRecordKey(
        fromBase64Url(own.wrappedKey),
        keyOf(PATIENT).secretKey,
        labResults.contentHash,
      );
      expect(Buffer.from(recordKey).equals(Buffer.from(labResults.recordKey))).to.equal(true);
      expectError(await as(READER).get(`/api/records/${patient}/keys`), 403);
      expectError(await as(STRANGER).get(`/api/records/${patient}/keys`), 403);
      expectError(await new GatewayClient(stack.url).get(`/api/records/${patient}/keys`), 401, "not_signed_in");
    });

    it("replacing a key answers 200", async () => {
      const response = await putWrappedKey(as(PATIENT), labResults, address(READER), keyOf(READER).publicKey);
      expect(response.status, response.describe()).to.equal(200);
      await expectReadable(READER, labResults);
    });

    it("the record's author may store the patient's key (201)", async () => {
      const byAuthor = await storeRecord({
        chain: stack.contracts,
        uploader: as(AUTHOR),
        authorIndex: AUTHOR,
        patient,
        patientKey: keyOf(PATIENT),
        category: LAB_RESULTS,
        label: "lab results added by the author",
      });
      const response = await as(PATIENT).get(recordPath(patient, byAuthor.recordId));
      expect(response.status, response.describe()).to.equal(200);
      expect(getAddress(response.headers.get("x-record-author") ?? "")).to.equal(address(AUTHOR));
    });

    it("refuses a stranger storing a key (403) and stores nothing", async () => {
      const response = await putWrappedKey(as(STRANGER), labResults, address(STRANGER), keyOf(STRANGER).publicKey);
      expectError(response, 403);
      // A provider with READ is no author either: it may not store keys for others.
      expectError(await putWrappedKey(as(READER), labResults, address(NO_CONSENT), keyOf(NO_CONSENT).publicKey), 403);
      expectRefusal(
        await as(STRANGER).get(recordPath(patient, labResults.recordId, "treatment")),
        "AccessProviderInactive",
      );
    });

    it("refuses a key for a recipient without consent: 403 recipient_not_allowed, nothing stored", async () => {
      expectError(
        await putWrappedKey(as(PATIENT), labResults, address(NO_CONSENT), keyOf(NO_CONSENT).publicKey),
        403,
        "recipient_not_allowed",
      );
      expectError(
        await putWrappedKey(as(PATIENT), mentalHealth, address(READER), keyOf(READER).publicKey),
        403,
        "recipient_not_allowed",
      );
      expectError(
        await putWrappedKey(as(PATIENT), labResults, address(SUSPENDED), keyOf(SUSPENDED).publicKey),
        403,
        "recipient_not_allowed",
      );
      expectError(
        await putWrappedKey(as(PATIENT), labResults, address(STRANGER), keyOf(STRANGER).publicKey),
        403,
        "recipient_not_allowed",
      );
      // Granting NO_CONSENT now shows no key was kept from the refused PUT.
      await stack.contracts.grantConsent(PATIENT, address(NO_CONSENT), {
        categories: bit(LAB_RESULTS),
        actions: READ,
        purposes: TREATMENT,
      });
      expectError(
        await as(NO_CONSENT).get(recordPath(patient, labResults.recordId, "treatment")),
        404,
        "key_not_found",
      );
    });

    it("refuses malformed wrapped keys (400)", async () => {
      const good = wrapRecordKey(labResults.recordKey, keyOf(PATIENT).publicKey, labResults.contentHash);
      const wrongVersion = new Uint8Array(good);
      wrongVersion[0] = 2;
      const path = keyPath(patient, labResults.recordId, patient);
      for (const body of [
        { wrappedKey: toBase64Url(good.subarray(0, 104)) },
        { wrappedKey: toBase64Url(new Uint8Array([...good, 0])) },
        { wrappedKey: toBase64Url(wrongVersion) },
        { wrappedKey: `${toBase64Url(good)}=` },
        { wrappedKey: Buffer.from(good).toString("base64") + "+/" },
        { wrappedKey: "" },
        { wrappedKey: 42 },
        {},
      ]) {
        expectError(await as(PATIENT).putJson(path, body), 400);
      }
      expectError(
        await as(PATIENT).request("PUT", path, { body: "not json", headers: { "content-type": "application/json" } }),
        400,
      );
      // The patient's stored key is still the good one from before.
      await expectReadable(PATIENT, labResults);
    });

    /** A record `authorIndex` added for the patient, with the patient's key stored by that author. */
    const storeAsAuthor = (authorIndex: number, label: string) =>
      storeRecord({
        chain: stack.contracts,
        uploader: as(authorIndex),
        authorIndex,
        patient,
        patientKey: keyOf(PATIENT),
        category: LAB_RESULTS,
        label,
      });
    /** A well-formed wrapped key that opens nothing: what an attacker would store. */
    const bogusKeyFor = (record: StoredRecord, recipient: number) =>
      toBase64Url(wrapRecordKey(new Uint8Array(32).fill(7), keyOf(recipient).publicKey, record.contentHash));

    it("refuses an author whose consent was revoked: it cannot overwrite the patient's key (403 author_not_allowed)", async () => {
      const record = await storeAsAuthor(REVOKED_AUTHOR, "lab results by an author about to be revoked");
      await stack.contracts.revokeConsent(PATIENT, address(REVOKED_AUTHOR));
      const overwrite = await as(REVOKED_AUTHOR).putJson(keyPath(patient, record.recordId, patient), {
        wrappedKey: bogusKeyFor(record, PATIENT),
      });
      expectError(overwrite, 403, "author_not_allowed");
      // Nor may it share the record with anyone any more.
      expectError(await putWrappedKey(as(REVOKED_AUTHOR), record, address(READER), keyOf(READER).publicKey), 403);
      await expectReadable(PATIENT, record);
    });

    it("an author with APPEND stores new keys, but only the patient replaces the patient's key (403 patient_key_protected)", async () => {
      const record = await storeAsAuthor(AUTHOR, "lab results by the author, shared on");
      const overwrite = await as(AUTHOR).putJson(keyPath(patient, record.recordId, patient), {
        wrappedKey: bogusKeyFor(record, PATIENT),
      });
      expectError(overwrite, 403, "patient_key_protected");
      await expectReadable(PATIENT, record);
      // The same key again (a retried upload) changes nothing and is fine.
      const own = (await as(PATIENT).get(keyPath(patient, record.recordId, patient))).json<{
        current: { wrappedKey: string };
      }>().current.wrappedKey;
      const retry = await as(AUTHOR).putJson(keyPath(patient, record.recordId, patient), { wrappedKey: own });
      expect(retry.status, retry.describe()).to.equal(200);
      // A key for a consented reader: new, then replaced (the author may, and the old version is kept).
      const shared = await putWrappedKey(as(AUTHOR), record, address(READER), keyOf(READER).publicKey);
      expect(shared.status, shared.describe()).to.equal(201);
      const replaced = await putWrappedKey(as(AUTHOR), record, address(READER), keyOf(READER).publicKey);
      expect(replaced.status, replaced.describe()).to.equal(200);
      await expectReadable(READER, record);
      const history = await as(PATIENT).get(keyPath(patient, record.recordId, address(READER)));
      expect(history.json<{ previous: unknown[] }>().previous).to.have.length(1);
    });

    it("the patient replacing their own key keeps the previous version (GET …/keys/{recipient}, patient only)", async () => {
      const path = keyPath(patient, labResults.recordId, patient);
      const before = (await as(PATIENT).get(path)).json<{ current: { wrappedKey: string } }>().current.wrappedKey;
      const replaced = await putWrappedKey(as(PATIENT), labResults, patient, keyOf(PATIENT).publicKey);
      expect(replaced.status, replaced.describe()).to.equal(200);
      const response = await as(PATIENT).get(path);
      expect(response.status, response.describe()).to.equal(200);
      const { current, previous } = response.json<{
        current: { wrappedKey: string; storedBy: string };
        previous: { wrappedKey: string; storedBy: string; replacedBy: string; replacedAt: number }[];
      }>();
      expect(current.wrappedKey).to.not.equal(before);
      expect(previous[0].wrappedKey).to.equal(before);
      expect(getAddress(previous[0].replacedBy)).to.equal(patient);
      // Both versions open the record.
      for (const wrapped of [current.wrappedKey, previous[0].wrappedKey]) {
        const key = unwrapRecordKey(fromBase64Url(wrapped), keyOf(PATIENT).secretKey, labResults.contentHash);
        expect(Buffer.from(key).equals(Buffer.from(labResults.recordKey))).to.equal(true);
      }
      expectError(await as(READER).get(path), 403);
      expectError(await as(AUTHOR).get(path), 403);
      expectError(
        await as(PATIENT).get(keyPath(patient, labResults.recordId, address(NO_CONSENT))),
        404,
        "key_not_found",
      );
    });

    it("refuses a key for a record that does not exist (404 record_not_found)", async () => {
      const ghost = { ...labResults, recordId: 999n };
      expectError(await putWrappedKey(as(PATIENT), ghost, patient, keyOf(PATIENT).publicKey), 404, "record_not_found");
    });
  });

  describe("key deletion at a confirmation depth (GATEWAY_KEY_DELETION_CONFIRMATIONS=3)", () => {
    it("a refused read deletes keys only once the refusal holds 3 blocks back, and never a key stored after that block", async () => {
      const server = await stack.startServer({ GATEWAY_KEY_DELETION_CONFIRMATIONS: "3" });
      const on = new Map<number, GatewayClient>();
      for (const index of [PATIENT, LATE_READER]) {
        on.set(index, new GatewayClient(server.url, stack.contracts.account(index)));
        await on.get(index)!.signIn();
      }
      const lab = { categories: bit(LAB_RESULTS), actions: READ, purposes: TREATMENT };
      await stack.contracts.grantConsent(PATIENT, address(LATE_READER), lab);
      const record = await storeRecord({
        chain: stack.contracts,
        uploader: on.get(PATIENT)!,
        authorIndex: PATIENT,
        patient,
        patientKey: keyOf(PATIENT),
        category: LAB_RESULTS,
        label: "lab results on the cautious server",
      });
      const share = async () => {
        const response = await putWrappedKey(
          on.get(PATIENT)!,
          record,
          address(LATE_READER),
          keyOf(LATE_READER).publicKey,
        );
        expect([200, 201], response.describe()).to.include(response.status);
      };
      const readStatus = async () =>
        (await on.get(LATE_READER)!.get(recordPath(patient, record.recordId, "treatment"))).status;
      await share();
      expect(await readStatus()).to.equal(200);
      await rpc(stack.chain.url, "hardhat_mine", ["0x3"]); // the grant lies deeper than the confirmation depth

      // Refused right after the revocation: 3 blocks back the reader still had access, so its key stays.
      await stack.contracts.revokeConsent(PATIENT, address(LATE_READER));
      expect(await readStatus()).to.equal(403);
      await stack.contracts.grantConsent(PATIENT, address(LATE_READER), lab);
      expect(await readStatus(), "the key survived the unconfirmed refusal").to.equal(200);

      // Refused again once 3 more blocks are mined: confirmed, the key is deleted.
      await stack.contracts.revokeConsent(PATIENT, address(LATE_READER));
      await rpc(stack.chain.url, "hardhat_mine", ["0x3"]);
      expect(await readStatus()).to.equal(403);
      await stack.contracts.grantConsent(PATIENT, address(LATE_READER), lab);
      expect(await readStatus(), "deleted after the confirmed refusal").to.equal(404);

      // A key stored after the block a refusal is confirmed at rests on a newer grant: it is not deleted.
      await share();
      await stack.contracts.revokeConsent(PATIENT, address(LATE_READER));
      expect(await readStatus()).to.equal(403); // 3 blocks back the reader had no consent, but the key is newer
      await stack.contracts.grantConsent(PATIENT, address(LATE_READER), lab);
      expect(await readStatus(), "the newer key was kept").to.equal(200);
      await server.stop();
    });
  });

  describe("consent expiry", () => {
    it("refuses a reader whose consent expired (chain time moved past it): 403 AccessExpired", async () => {
      await expectReadable(EXPIRING, labResults);
      await stack.contracts.increaseTime(3601);
      const response = await as(EXPIRING).get(recordPath(patient, labResults.recordId, "treatment"));
      expectRefusal(response, "AccessExpired");
      expectNothingServed(response);
    });
  });
});
