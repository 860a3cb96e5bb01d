// The gateway's limits and its fail-closed behaviour, on a stack of its own: rate limits (on servers started with low
// limits), cross-origin state changes refused, and — last, because it stops the chain node — 503 when the chain cannot
// be reached, with nothing served, stored or logged.
import { expect } from "chai";
import type { Address } from "viem";
import { APPEND, READ, TREATMENT } from "@/lib/consentCodes";
import { encryptRecord } from "@/lib/vault";
import { hardhatAccount } from "@/harness/localNode";
import { expectError } from "./expectations";
import { GatewayClient, type GatewayResponse } from "@/harness/gatewayHttpClient";
import { startGatewayStack, type GatewayStack } from "@/harness/gatewayStack";
import { AUTH_CEILING_FACTOR } from "@/server/gateway/context";
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
const PATIENT = 10;
const READER = 11; // READ and APPEND on lab results, for treatment
const RATE_LIMIT = 5;
const AUTH_RATE_LIMIT = 3;
const FOREIGN_ORIGIN = "http://evil.example";

function expectRateLimited(response: GatewayResponse): void {
  expectError(response, 429, "rate_limited");
  const retryAfter = response.headers.get("retry-after") ?? "";
  expect(retryAfter, "Retry-After").to.match(/^\d+$/);
  expect(Number(retryAfter)).to.be.within(1, 60);
}

describe("Gateway: rate limits, cross-origin requests and an unreachable chain", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  let patient: Address;
  let reader: Address;
  let patientClient: GatewayClient;
  let readerClient: GatewayClient;
  const keys = new Map<number, KeyPair>();
  let readBefore: StoredRecord;
  let neverRead: StoredRecord;
  /** On chain and in the blob store, but never looked up by the gateway: its metadata cannot be in any cache. */
  let untouched: { recordId: bigint };

  before(async () => {
    stack = await startGatewayStack();
    const chain = stack.contracts;
    patient = hardhatAccount(PATIENT).address;
    reader = hardhatAccount(READER).address;
    keys.set(PATIENT, newKeyPair());
    keys.set(READER, newKeyPair());
    await chain.registerProvider(READER, "Reader clinic");
    await chain.grantConsent(PATIENT, reader, {
      categories: 1n << BigInt(LAB_RESULTS),
      actions: READ | APPEND,
      purposes: TREATMENT,
    });
    patientClient = new GatewayClient(stack.url, chain.account(PATIENT));
    readerClient = new GatewayClient(stack.url, chain.account(READER));
    await patientClient.signIn();
    await readerClient.signIn();
    const store = (label: string) =>
      storeRecord({
        chain,
        uploader: patientClient,
        authorIndex: PATIENT,
        patient,
        patientKey: keys.get(PATIENT)!,
        category: LAB_RESULTS,
        label,
      });
    readBefore = await store("read before the chain stops");
    neverRead = await store("never read before the chain stops");
    const blob = await encryptRecord({
      bytes: new TextEncoder().encode("never looked up"),
      name: "u.txt",
      type: "text/plain",
    });
    const upload = await patientClient.putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext);
    expect(upload.status, upload.describe()).to.equal(201);
    untouched = { recordId: await chain.addRecord(PATIENT, patient, blob.contentHash, LAB_RESULTS, blob.cid) };
    expect((await putWrappedKey(patientClient, readBefore, reader, keys.get(READER)!.publicKey)).status).to.equal(201);
    const first = await readerClient.get(recordPath(patient, readBefore.recordId, "treatment"));
    expect(first.status, first.describe()).to.equal(200);
  });

  after(async () => {
    await stack?.stop();
  });

  describe("rate limits (servers started with GATEWAY_RATE_LIMIT=5 and GATEWAY_AUTH_RATE_LIMIT=3)", () => {
    // Each test starts its own limited server, so the counts start at zero.
    const startLimited = () =>
      stack.startServer({ GATEWAY_RATE_LIMIT: String(RATE_LIMIT), GATEWAY_AUTH_RATE_LIMIT: String(AUTH_RATE_LIMIT) });

    it("answers 429 with Retry-After and JSON after 3 requests to /api/auth/* from one IP", async () => {
      const limited = await startLimited();
      try {
        const c = new GatewayClient(limited.url, stack.contracts.account(PATIENT));
        for (let i = 0; i < AUTH_RATE_LIMIT; i++) {
          const response = await c.get("/api/auth/nonce");
          expect(response.status, `request ${i + 1}: ${response.describe()}`).to.equal(200);
        }
        expectRateLimited(await c.get("/api/auth/nonce"));
        const message = c.siweMessage("AnyNonceWillDo123456");
        const verify = await c.verify(message, await stack.contracts.account(PATIENT).signMessage({ message }));
        expectRateLimited(verify);
        expect(verify.cookie("medconsent_session")?.value ?? "").to.equal("");
        // Another cookie jar is the same IP.
        expectRateLimited(await new GatewayClient(limited.url).get("/api/auth/nonce"));
      } finally {
        await limited.stop();
      }
    });

    it("answers 429 with Retry-After and JSON after 5 requests from one IP to the other routes", async () => {
      const limited = await startLimited();
      try {
        const c = new GatewayClient(limited.url);
        const statuses: number[] = [];
        let refused: GatewayResponse | undefined;
        for (let i = 0; i < RATE_LIMIT + 1 && refused === undefined; i++) {
          const response = await c.get(`/api/disclosures?patient=${patient}`);
          statuses.push(response.status);
          if (response.status === 429) refused = response;
        }
        expect(statuses.slice(0, RATE_LIMIT), "the first five are answered normally").to.not.include(429);
        expect(refused, `statuses: ${statuses.join(", ")}`).to.not.equal(undefined);
        expectRateLimited(refused!);
        // A record read is refused the same way, with nothing of the record.
        expectRateLimited(await c.get(recordPath(patient, readBefore.recordId, "treatment")));
      } finally {
        await limited.stop();
      }
    });

    it("caps sign-in traffic from all addresses together, so claimed X-Forwarded-For addresses gain little", async () => {
      const limited = await startLimited();
      try {
        const c = new GatewayClient(limited.url);
        const ceiling = AUTH_RATE_LIMIT * AUTH_CEILING_FACTOR;
        for (let i = 0; i < ceiling; i++) {
          const response = await c.get("/api/auth/nonce", { "x-forwarded-for": `203.0.113.${i + 1}` });
          expect(response.status, `request ${i + 1}: ${response.describe()}`).to.equal(200);
        }
        expectRateLimited(await c.get("/api/auth/nonce", { "x-forwarded-for": "198.51.100.250" }));
      } finally {
        await limited.stop();
      }
    });

    /** Spends the sign-in ceiling for all clients with nonce requests from spoofed addresses; checks it is spent. */
    async function exhaustCeiling(url: string) {
      const flooder = new GatewayClient(url);
      const ceiling = AUTH_RATE_LIMIT * AUTH_CEILING_FACTOR;
      for (let i = 0; i < ceiling; i++)
        await flooder.get("/api/auth/nonce", { "x-forwarded-for": `203.0.113.${i + 1}` });
      expectRateLimited(await flooder.get("/api/auth/nonce", { "x-forwarded-for": "198.51.100.250" }));
    }

    it("never limits a signed-in user's session reads away, even after another client spent the sign-in ceiling", async () => {
      const limited = await startLimited();
      try {
        const c = new GatewayClient(limited.url, stack.contracts.account(PATIENT));
        await c.signIn();
        await exhaustCeiling(limited.url);
        // Far more polls than the per-IP sign-in limit (3): they count against the session's own limit only.
        for (let i = 0; i < RATE_LIMIT - 1; i++) {
          const poll = await c.get("/api/auth/session");
          expect(poll.status, `poll ${i + 1}: ${poll.describe()}`).to.equal(200);
        }
        // Not even a flood that claims the user's own address reaches them.
        for (let i = 0; i < 10; i++) await new GatewayClient(limited.url).get("/api/auth/session");
        const poll = await c.get("/api/auth/session");
        expect(poll.status, poll.describe()).to.equal(200);
      } finally {
        await limited.stop();
      }
    });

    it("lets a sign-in whose nonce was issued before the flood complete after the ceiling is spent", async () => {
      const limited = await startLimited();
      try {
        const c = new GatewayClient(limited.url, stack.contracts.account(READER));
        const message = c.siweMessage(await c.nonce());
        await exhaustCeiling(limited.url);
        const verify = await c.verify(message, await stack.contracts.account(READER).signMessage({ message }));
        expect(verify.status, verify.describe()).to.equal(200);
        expect((await c.get("/api/auth/session")).status).to.equal(200);
      } finally {
        await limited.stop();
      }
    });

    it("a nonce flood from one address cannot lock out another address's sign-in", async () => {
      const limited = await startLimited();
      try {
        const flooder = new GatewayClient(limited.url);
        for (let i = 0; i < 200; i++) await flooder.get("/api/auth/nonce", { "x-forwarded-for": "203.0.113.66" });
        expectRateLimited(await flooder.get("/api/auth/nonce", { "x-forwarded-for": "203.0.113.66" }));
        // Its refused requests never reached the ceiling, so another address still signs in.
        const c = new GatewayClient(limited.url, stack.contracts.account(PATIENT));
        const message = c.siweMessage(
          (await c.get("/api/auth/nonce", { "x-forwarded-for": "198.51.100.7" })).json<{ nonce: string }>().nonce,
        );
        const verify = await c.verify(message, await stack.contracts.account(PATIENT).signMessage({ message }), {
          "x-forwarded-for": "198.51.100.7",
        });
        expect(verify.status, verify.describe()).to.equal(200);
      } finally {
        await limited.stop();
      }
    });

    it("two gateway processes on one PostgreSQL count the same limits (postgres backends)", async function () {
      const first = await startLimited();
      try {
        if (first.databaseUrl === undefined) return this.skip(); // PGlite: each process counts in its own memory
        const second = await stack.startServer({
          GATEWAY_RATE_LIMIT: String(RATE_LIMIT),
          GATEWAY_AUTH_RATE_LIMIT: String(AUTH_RATE_LIMIT),
          DATABASE_URL: first.databaseUrl,
        });
        try {
          const one = new GatewayClient(first.url);
          const two = new GatewayClient(second.url);
          const address = { "x-forwarded-for": "192.0.2.44" };
          expect((await one.get("/api/auth/nonce", address)).status).to.equal(200);
          expect((await two.get("/api/auth/nonce", address)).status).to.equal(200);
          expect((await one.get("/api/auth/nonce", address)).status).to.equal(200);
          expectRateLimited(await two.get("/api/auth/nonce", address));
          expectRateLimited(await one.get("/api/auth/nonce", address));
        } finally {
          await second.stop();
        }
      } finally {
        await first.stop();
      }
    });

    it("behind a trusted proxy, limits the address the proxy appended, whatever the client claimed before it", async () => {
      const limited = await stack.startServer({
        GATEWAY_AUTH_RATE_LIMIT: String(AUTH_RATE_LIMIT),
        GATEWAY_TRUSTED_PROXY_HOPS: "1",
      });
      try {
        const c = new GatewayClient(limited.url);
        for (let i = 0; i < AUTH_RATE_LIMIT; i++) {
          const response = await c.get("/api/auth/nonce", { "x-forwarded-for": `203.0.113.${i + 1}, 192.0.2.7` });
          expect(response.status, `request ${i + 1}: ${response.describe()}`).to.equal(200);
        }
        expectRateLimited(await c.get("/api/auth/nonce", { "x-forwarded-for": "203.0.113.99, 192.0.2.7" }));
        const other = await c.get("/api/auth/nonce", { "x-forwarded-for": "203.0.113.1, 192.0.2.8" });
        expect(other.status, other.describe()).to.equal(200);
      } finally {
        await limited.stop();
      }
    });

    it("limits a signed-in session even when every request claims another IP (X-Forwarded-For)", async () => {
      const limited = await startLimited();
      try {
        const c = new GatewayClient(limited.url, stack.contracts.account(PATIENT));
        await c.signIn();
        const statuses: number[] = [];
        for (let i = 0; i < RATE_LIMIT + 1; i++) {
          const response = await c.get(`/api/disclosures?patient=${patient}`, {
            "x-forwarded-for": `198.51.100.${i + 1}`,
          });
          statuses.push(response.status);
          if (i < RATE_LIMIT) expect(response.status, `request ${i + 1}: ${response.describe()}`).to.equal(200);
          else expectRateLimited(response);
        }
      } finally {
        await limited.stop();
      }
    });
  });

  describe("cross-origin state changes", () => {
    const foreign = { origin: FOREIGN_ORIGIN };

    it("refuses a blob upload from a foreign Origin (403 cross_origin) and stores nothing", async () => {
      const blob = await encryptRecord({
        bytes: new TextEncoder().encode("csrf upload"),
        name: "a.txt",
        type: "text/plain",
      });
      const before = await stack.server.storedBlobs();
      const path = blobPath(blob.cid, patient, LAB_RESULTS);
      expectError(await patientClient.putBytes(path, blob.ciphertext, foreign), 403, "cross_origin");
      expectError(await patientClient.putBytes(path, blob.ciphertext, { origin: "null" }), 403, "cross_origin");
      expectError(
        await patientClient.putBytes(path, blob.ciphertext, { origin: stack.url.replace("127.0.0.1", "localhost") }),
        403,
        "cross_origin",
      );
      expect(await stack.server.storedBlobs()).to.deep.equal(before);
      // The portal's own origin is accepted; the first accepted upload creates the blob (201).
      const same = await patientClient.putBytes(path, blob.ciphertext, { origin: stack.url });
      expect(same.status, same.describe()).to.equal(201);
    });

    it("refuses a wrapped-key upload from a foreign Origin and stores nothing", async () => {
      const wrapped = await putWrappedKeyFrom(FOREIGN_ORIGIN, neverRead, reader, keys.get(READER)!.publicKey);
      expectError(wrapped, 403, "cross_origin");
      expectError(await readerClient.get(recordPath(patient, neverRead.recordId, "treatment")), 404, "key_not_found");
    });

    it("refuses sign-in, logout and anchoring from a foreign Origin", async () => {
      const c = new GatewayClient(stack.url, stack.contracts.account(PATIENT));
      const message = c.siweMessage(await c.nonce());
      const signature = await stack.contracts.account(PATIENT).signMessage({ message });
      expectError(await c.verify(message, signature, foreign), 403, "cross_origin");
      expectError(await c.get("/api/auth/session"), 401, "not_signed_in");

      expectError(await patientClient.request("POST", "/api/auth/logout", { headers: foreign }), 403, "cross_origin");
      expect((await patientClient.get("/api/auth/session")).status, "still signed in").to.equal(200);

      expectError(
        await patientClient.request("POST", "/api/disclosures/anchor", { headers: foreign }),
        403,
        "cross_origin",
      );
    });

    async function putWrappedKeyFrom(origin: string, record: StoredRecord, recipient: Address, publicKey: Uint8Array) {
      const { toBase64Url, wrapRecordKey } = await import("@/lib/vault");
      const wrappedKey = toBase64Url(wrapRecordKey(record.recordKey, publicKey, record.contentHash));
      return patientClient.putJson(keyPath(record.patient, record.recordId, recipient), { wrappedKey }, { origin });
    }
  });

  describe("the chain node stopped (fail closed)", () => {
    it("answers 503 chain_unavailable to reads, uploads and key writes; nothing served, stored or logged", async () => {
      const disclosuresBefore = (await patientClient.get(`/api/disclosures?patient=${patient}`)).json<{
        entries: unknown[];
      }>().entries.length;
      const blobsBefore = await stack.server.storedBlobs();
      await stack.chain.stop();

      expectError(
        await readerClient.get(recordPath(patient, readBefore.recordId, "treatment")),
        503,
        "chain_unavailable",
      );
      // A record the gateway has never looked up needs the chain even for its patient.
      expectError(await patientClient.get(recordPath(patient, untouched.recordId)), 503, "chain_unavailable");
      const blob = await encryptRecord({
        bytes: new TextEncoder().encode("while down"),
        name: "d.txt",
        type: "text/plain",
      });
      expectError(
        await readerClient.putBytes(blobPath(blob.cid, patient, LAB_RESULTS), blob.ciphertext),
        503,
        "chain_unavailable",
      );
      expectError(
        await putWrappedKey(patientClient, neverRead, reader, keys.get(READER)!.publicKey),
        503,
        "chain_unavailable",
      );

      expect(await stack.server.storedBlobs()).to.deep.equal(blobsBefore);
      const after = await patientClient.get(`/api/disclosures?patient=${patient}`);
      expect(after.status, after.describe()).to.equal(200);
      expect(after.json<{ entries: unknown[] }>().entries).to.have.length(disclosuresBefore);
    });
  });
});
