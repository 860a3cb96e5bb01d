// The pure parts of the gateway's blob storage: spooling an upload (hashed, capped, fsynced), the stream check that
// never lets a damaged copy arrive complete, the folder store's per-patient copies, and the quota and conflict rules.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address, Hex } from "viem";
import { existingBindingRefusal, quotaRefusal, type BlobBinding } from "@/server/gateway/storage/blobBindings";
import { BlobDamagedError, FolderBlobStore, spoolToFile, verifiedStream } from "@/server/gateway/storage/blobStore";
import { readGatewayConfig } from "@/server/gateway/config";
import { GatewayError } from "@/server/gateway/http/errors";
import { cidOfHash } from "@/lib/vault";

const PATIENT = "0x976EA74026E726554dB657fA54763abd0C3a0aa9" as Address;
const OTHER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" as Address;
const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}` as Hex;

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

/** Reads a stream to its end: the chunks received before it ended or failed, and its error if any. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ received: number; error?: unknown }> {
  const reader = stream.getReader();
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { received };
      received += value.byteLength;
    }
  } catch (error) {
    return { received, error };
  }
}

describe("gateway blob storage", function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "medconsent-blobs-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe("spoolToFile", function () {
    it("writes the chunks to a file and reports their size and SHA-256", async function () {
      const a = new Uint8Array(1000).fill(1);
      const b = new Uint8Array(24).fill(2);
      const spooled = await spoolToFile(streamOf(a, b), 1024, dir);
      expect(spooled.size).to.equal(1024);
      expect(spooled.sha256).to.equal(sha256(new Uint8Array([...a, ...b])));
    });

    it("stops at the first byte over the limit (413 too_large) and leaves no file", async function () {
      const error = await spoolToFile(streamOf(new Uint8Array(1000), new Uint8Array(25)), 1024, dir).catch(
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(GatewayError);
      expect((error as GatewayError).status).to.equal(413);
      expect(readdirSync(dir)).to.deep.equal([]);
    });
  });

  describe("verifiedStream", function () {
    const bytes = new Uint8Array(300).map((_, i) => i % 251);
    const chunks = [bytes.subarray(0, 100), bytes.subarray(100, 200), bytes.subarray(200)];

    it("passes bytes that hash to the CID through unchanged", async function () {
      let damaged = false;
      const stream = verifiedStream(
        streamOf(...chunks),
        sha256(bytes),
        300,
        async () => (damaged = true),
        () => new Error("x"),
      );
      expect(await drain(stream)).to.deep.equal({ received: 300 });
      expect(damaged).to.equal(false);
    });

    it("errors a corrupted stream before its last chunk, so the client never receives it whole", async function () {
      const corrupt = new Uint8Array(bytes);
      corrupt[10] ^= 1;
      let damaged = false;
      const stream = verifiedStream(
        streamOf(corrupt.subarray(0, 100), corrupt.subarray(100, 200), corrupt.subarray(200)),
        sha256(bytes),
        300,
        async () => (damaged = true),
        () => new Error("damaged"),
      );
      const { received, error } = await drain(stream);
      expect((error as Error).message).to.equal("damaged");
      expect(received).to.be.lessThan(300);
      expect(damaged).to.equal(true);
    });

    it("errors a truncated stream", async function () {
      const { error } = await drain(
        verifiedStream(
          streamOf(chunks[0]),
          sha256(bytes),
          300,
          async () => undefined,
          () => new Error("torn"),
        ),
      );
      expect((error as Error).message).to.equal("torn");
    });
  });

  describe("FolderBlobStore", function () {
    it("keeps one copy per patient, deletes a damaged copy as it is read, and is repaired by a new commit", async function () {
      const store = new FolderBlobStore(dir);
      const bytes = new Uint8Array(5000).fill(7);
      const cid = cidOfHash(sha256(bytes));
      for (const patient of [PATIENT, OTHER]) {
        await store.commit({ patient, cid }, await store.spool(streamOf(bytes), 10_000));
      }
      const file = path.join(dir, PATIENT.toLowerCase(), cid);
      expect(readdirSync(path.join(dir, OTHER.toLowerCase()))).to.deep.equal([cid]);
      const corrupt = new Uint8Array(bytes);
      corrupt[0] = 8;
      writeFileSync(file, corrupt);
      const { error } = await drain((await store.open({ patient: PATIENT, cid }))!.stream);
      expect(error).to.be.instanceOf(BlobDamagedError);
      expect(await store.open({ patient: PATIENT, cid })).to.equal(undefined);
      // The other patient's copy is untouched.
      expect(await drain((await store.open({ patient: OTHER, cid }))!.stream)).to.deep.equal({ received: 5000 });
      await store.commit({ patient: PATIENT, cid }, await store.spool(streamOf(bytes), 10_000));
      expect(await drain((await store.open({ patient: PATIENT, cid }))!.stream)).to.deep.equal({ received: 5000 });
      expect(readdirSync(path.join(dir, ".uploads")), "no temporary file left").to.deep.equal([]);
    });

    it("refuses a key that is not an address and a record CID", async function () {
      const store = new FolderBlobStore(dir);
      for (const key of [
        { patient: "../../etc" as Address, cid: cidOfHash(sha256(new Uint8Array(1))) },
        { patient: PATIENT, cid: "../passwd" },
      ]) {
        expect(await store.open(key).catch((e: unknown) => e)).to.be.instanceOf(Error);
      }
    });
  });

  describe("quotas and bindings", function () {
    const config = readGatewayConfig({
      GATEWAY_ACCOUNT_QUOTA_BYTES: "10000",
      GATEWAY_PENDING_QUOTA_BYTES: "7000",
      GATEWAY_PENDING_TOTAL_BYTES: "9000",
    });

    it("has defaults a small clinic network would choose", function () {
      const defaults = readGatewayConfig({});
      expect(defaults.accountQuotaBytes).to.equal(1024 ** 3);
      expect(defaults.pendingQuotaBytes).to.equal(100 * 1024 ** 2);
      expect(defaults.pendingTotalBytes).to.equal(2 * 1024 ** 3);
      expect(defaults.unreferencedBlobTtlSeconds).to.equal(86_400);
      expect(defaults.blobSweepIntervalSeconds).to.equal(900);
      expect(() => readGatewayConfig({ GATEWAY_UNREFERENCED_BLOB_TTL_SECONDS: "0" })).to.throw(
        /GATEWAY_UNREFERENCED_BLOB_TTL_SECONDS/,
      );
    });

    it("refuses past the account quota (403), the account's pending quota and the global pending cap (429)", function () {
      expect(quotaRefusal(config, { account: 4000, pending: 4000, pendingTotal: 4000 }, 3000)).to.equal(undefined);
      const account = quotaRefusal(config, { account: 8000, pending: 0, pendingTotal: 0 }, 3000)!;
      expect([account.status, account.code]).to.deep.equal([403, "quota_exceeded"]);
      expect(account.message).to.include("10000 bytes");
      const pending = quotaRefusal(config, { account: 4500, pending: 4500, pendingTotal: 4500 }, 3000)!;
      expect([pending.status, pending.code]).to.deep.equal([429, "pending_quota_exceeded"]);
      expect(pending.message).to.include("7000 bytes");
      const total = quotaRefusal(config, { account: 0, pending: 0, pendingTotal: 6500 }, 3000)!;
      expect([total.status, total.code]).to.deep.equal([429, "pending_quota_exceeded"]);
      expect(total.message).to.include("all accounts together");
    });

    it("lets only the patient replace a pending key; an author may set it while none exists, or send the same again", function () {
      const key = new Uint8Array(105).fill(1);
      const other = new Uint8Array(105).fill(2);
      const binding: BlobBinding = {
        patient: PATIENT,
        cid: "x",
        category: 4,
        uploader: PATIENT,
        size: 1,
        uploadedAt: 0,
      };
      const upload = (uploader: Address, pendingKey?: Uint8Array, category = 4) => ({
        key: { patient: PATIENT, cid: "x" },
        category,
        uploader,
        size: 1,
        pendingKey,
      });
      expect(existingBindingRefusal(binding, upload(OTHER, key))).to.equal(undefined);
      expect(existingBindingRefusal({ ...binding, pendingKey: key }, upload(OTHER, key))).to.equal(undefined);
      expect(existingBindingRefusal({ ...binding, pendingKey: key }, upload(OTHER, other))?.code).to.equal(
        "pending_key_exists",
      );
      expect(existingBindingRefusal({ ...binding, recordId: 1n }, upload(OTHER, other))?.code).to.equal(
        "pending_key_exists",
      );
      expect(existingBindingRefusal({ ...binding, pendingKey: key }, upload(PATIENT, other))).to.equal(undefined);
      expect(existingBindingRefusal(binding, upload(PATIENT, undefined, 2))?.code).to.equal("blob_category_conflict");
    });
  });
});
