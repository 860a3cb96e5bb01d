// Where encrypted record files live: a folder (the default) or an S3-compatible bucket, one copy per patient under
// `<patient>/<cid>`. Uploads stream into a temporary file (hashed and capped as they arrive), then are committed;
// reads stream back out, checked against the CID as they flow, so a damaged file is never served as valid.
import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { Address, Hex } from "viem";
import { hashOfCid, isRecordCid } from "@/lib/vault/cid";
import type { BlobStoreConfig } from "@/server/gateway/config";
import { tooLarge } from "@/server/gateway/http/errors";

/** A blob is stored per patient: two patients who upload identical bytes each have their own copy. */
export interface BlobKey {
  patient: Address;
  cid: string;
}

/** An upload received into a temporary file, fsynced, with its size and SHA-256. */
export interface SpooledUpload {
  path: string;
  size: number;
  sha256: Hex;
}

/** Stored bytes: their size, and a stream that errors (and deletes the copy) if they do not hash to the CID. */
export interface BlobBody {
  size: number;
  stream: ReadableStream<Uint8Array>;
}

export interface BlobStore {
  /** Receives an upload into a temporary file, hashing it as it streams; 413 too_large past `limit` bytes. */
  spool(body: ReadableStream<Uint8Array> | null, limit: number): Promise<SpooledUpload>;
  /** Stores a spooled upload under `key`, replacing any copy there (which repairs a damaged one). */
  commit(key: BlobKey, upload: SpooledUpload): Promise<void>;
  /** Removes a spooled upload's temporary file, if it is still there. */
  discard(upload: SpooledUpload): Promise<void>;
  /** The bytes stored under `key`, or undefined. */
  open(key: BlobKey): Promise<BlobBody | undefined>;
  delete(key: BlobKey): Promise<void>;
}

/** Thrown (or errored into a stream) when stored bytes no longer hash to their CID: the copy has been deleted. */
export class BlobDamagedError extends Error {
  constructor(key: BlobKey) {
    super(`The stored copy of ${key.cid} for ${key.patient} is damaged and was deleted.`);
    this.name = "BlobDamagedError";
  }
}

/** Refuses anything but a record CID and an address before they are used in a path or an object key. */
function checkedKey(key: BlobKey): { patient: string; cid: string } {
  if (!isRecordCid(key.cid)) throw new Error(`Not a record CID: ${JSON.stringify(key.cid.slice(0, 80))}`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(key.patient)) throw new Error("Not an address.");
  return { patient: key.patient.toLowerCase(), cid: key.cid };
}

const isMissing = (error: unknown) =>
  typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "ENOENT";

/** Streams `body` into a new file in `dir`, fsynced before it is reported complete. */
export async function spoolToFile(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  dir: string,
): Promise<SpooledUpload> {
  await mkdir(dir, { recursive: true });
  const file = path.join(/*turbopackIgnore: true*/ dir, `.upload-${randomUUID()}`);
  const handle = await open(file, "wx");
  const hash = createHash("sha256");
  let size = 0;
  try {
    const reader = body?.getReader();
    for (;;) {
      if (reader === undefined) break;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(limit);
      }
      hash.update(value);
      await handle.write(value);
    }
    // On disk before anyone is told it is stored: a crash after the answer must not leave a torn file.
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(file, { force: true });
    throw error;
  }
  await handle.close();
  return { path: file, size, sha256: `0x${hash.digest("hex")}` };
}

/**
 * Passes `source` through while hashing it, holding back the last chunk until the whole has been checked: if the
 * bytes do not hash to `expected` (or are not `size` long), `onDamaged` runs and the stream errors before the client
 * has received every byte, so a damaged copy never arrives complete.
 */
export function verifiedStream(
  source: ReadableStream<Uint8Array>,
  expected: Hex,
  size: number,
  onDamaged: () => Promise<unknown>,
  damaged: () => Error,
): ReadableStream<Uint8Array> {
  const hash = createHash("sha256");
  let seen = 0;
  let held: Uint8Array | undefined;
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        seen += chunk.byteLength;
        if (held !== undefined) controller.enqueue(held);
        held = chunk;
      },
      async flush(controller) {
        if (seen !== size || `0x${hash.digest("hex")}` !== expected.toLowerCase()) {
          await onDamaged().catch(() => undefined);
          controller.error(damaged());
          return;
        }
        if (held !== undefined) controller.enqueue(held);
      },
    }),
  );
}

/** Fsyncs a folder, so a rename or a new entry in it survives a crash. */
async function syncFolder(dir: string) {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FolderBlobStore implements BlobStore {
  private readonly folders = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string) {}

  private pathOf(key: BlobKey) {
    const { patient, cid } = checkedKey(key);
    return path.join(/*turbopackIgnore: true*/ this.dir, patient, cid);
  }

  /** Creates a patient's folder once, and makes its entry in the store's folder durable. */
  private folderOf(key: BlobKey) {
    const folder = path.dirname(this.pathOf(key));
    let ready = this.folders.get(folder);
    if (ready === undefined) {
      ready = mkdir(folder, { recursive: true }).then(() => syncFolder(this.dir));
      ready.catch(() => this.folders.delete(folder));
      this.folders.set(folder, ready);
    }
    return ready.then(() => folder);
  }

  // The temporary files live inside the store's folder, so committing one is a rename on the same file system.
  spool(body: ReadableStream<Uint8Array> | null, limit: number) {
    return spoolToFile(body, limit, path.join(/*turbopackIgnore: true*/ this.dir, ".uploads"));
  }

  async commit(key: BlobKey, upload: SpooledUpload) {
    const folder = await this.folderOf(key);
    // The file was fsynced when spooled; the rename replaces any torn copy at once, and the folder's fsync makes the
    // new name durable.
    await rename(upload.path, this.pathOf(key));
    await syncFolder(folder);
  }

  async discard(upload: SpooledUpload) {
    await rm(upload.path, { force: true });
  }

  async open(key: BlobKey): Promise<BlobBody | undefined> {
    const file = this.pathOf(key);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const source = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    return {
      size,
      stream: verifiedStream(
        source,
        hashOfCid(key.cid),
        size,
        () => this.delete(key),
        () => new BlobDamagedError(key),
      ),
    };
  }

  async delete(key: BlobKey) {
    await rm(this.pathOf(key), { force: true });
  }
}

type S3Module = typeof import("@aws-sdk/client-s3");

export class S3BlobStore implements BlobStore {
  private client: Promise<{ s3: S3Module; client: InstanceType<S3Module["S3Client"]> }> | undefined;

  constructor(
    private readonly config: Extract<BlobStoreConfig, { kind: "s3" }>,
    /** A local folder for uploads in progress: S3 needs each object's length before its body. */
    private readonly spoolDir: string,
  ) {}

  // The SDK is loaded on first use, so deployments with a folder store never load it.
  private connect() {
    this.client ??= import("@aws-sdk/client-s3").then((s3) => ({
      s3,
      client: new s3.S3Client({
        region: this.config.region,
        endpoint: this.config.endpoint,
        // Path-style URLs (endpoint/bucket/key) for S3-compatible servers such as MinIO or s3rver.
        forcePathStyle: this.config.endpoint !== undefined,
        // The gateway has already checked the SHA-256 of every upload against its CID, and checks it again on reads;
        // the SDK's default CRC checksums (aws-chunked uploads) are not understood by every S3-compatible server.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        // A stalled object store fails the request instead of holding it open.
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
      }),
    }));
    return this.client;
  }

  private keyOf(key: BlobKey) {
    const { patient, cid } = checkedKey(key);
    return `${this.config.prefix}${patient}/${cid}`;
  }

  spool(body: ReadableStream<Uint8Array> | null, limit: number) {
    return spoolToFile(body, limit, this.spoolDir);
  }

  async commit(key: BlobKey, upload: SpooledUpload) {
    const { s3, client } = await this.connect();
    await client.send(
      new s3.PutObjectCommand({
        Bucket: this.config.bucket,
        Key: this.keyOf(key),
        Body: createReadStream(upload.path),
        ContentLength: upload.size,
        ContentType: "application/octet-stream",
      }),
    );
    await this.discard(upload);
  }

  async discard(upload: SpooledUpload) {
    await rm(upload.path, { force: true });
  }

  async open(key: BlobKey): Promise<BlobBody | undefined> {
    const { s3, client } = await this.connect();
    try {
      const object = await client.send(new s3.GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
      if (object.Body === undefined || object.ContentLength === undefined) return undefined;
      const size = object.ContentLength;
      return {
        size,
        stream: verifiedStream(
          object.Body.transformToWebStream() as ReadableStream<Uint8Array>,
          hashOfCid(key.cid),
          size,
          () => this.delete(key),
          () => new BlobDamagedError(key),
        ),
      };
    } catch (error) {
      if (error instanceof s3.NoSuchKey) return undefined;
      throw error;
    }
  }

  async delete(key: BlobKey) {
    const { s3, client } = await this.connect();
    await client.send(new s3.DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
  }
}

/** A stream of bytes already in memory. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Reads a whole (small) stream into memory. */
async function readAll(stream: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  const reader = stream.getReader();
  for (let offset = 0; ;) {
    const { done, value } = await reader.read();
    if (done) return offset === size ? bytes : bytes.subarray(0, offset);
    if (offset + value.byteLength > size) {
      await reader.cancel().catch(() => undefined);
      throw new Error("The blob is longer than its stored size.");
    }
    bytes.set(value, offset);
    offset += value.byteLength;
  }
}

const cacheKey = (key: BlobKey) => `${key.patient}/${key.cid}`;

/**
 * Keeps recently read small blobs in memory, up to `maxBytes` in all and `maxItemBytes` each. A small blob is read
 * whole and checked before it is served (so a damaged one is refused cleanly); larger ones stream past the cache.
 * Access is still decided per request before any blob is opened.
 */
export class CachedBlobStore implements BlobStore {
  private readonly cache = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    private readonly store: BlobStore,
    private readonly maxBytes: number,
    private readonly maxItemBytes = Math.floor(maxBytes / 16),
  ) {}

  private forget(key: BlobKey) {
    const old = this.cache.get(cacheKey(key));
    if (old === undefined) return;
    this.cache.delete(cacheKey(key));
    this.bytes -= old.byteLength;
  }

  private remember(key: BlobKey, blob: Uint8Array) {
    this.forget(key);
    this.cache.set(cacheKey(key), blob);
    this.bytes += blob.byteLength;
    for (const [oldest, evicted] of this.cache) {
      if (this.bytes <= this.maxBytes) break;
      this.cache.delete(oldest);
      this.bytes -= evicted.byteLength;
    }
  }

  spool(body: ReadableStream<Uint8Array> | null, limit: number) {
    return this.store.spool(body, limit);
  }

  async commit(key: BlobKey, upload: SpooledUpload) {
    this.forget(key);
    await this.store.commit(key, upload);
  }

  discard(upload: SpooledUpload) {
    return this.store.discard(upload);
  }

  async open(key: BlobKey): Promise<BlobBody | undefined> {
    const cached = this.cache.get(cacheKey(key));
    if (cached !== undefined) {
      this.remember(key, cached); // most recently used
      return { size: cached.byteLength, stream: streamOf(cached) };
    }
    const body = await this.store.open(key);
    if (body === undefined || body.size > this.maxItemBytes) return body;
    const blob = await readAll(body.stream, body.size);
    this.remember(key, blob);
    return { size: blob.byteLength, stream: streamOf(blob) };
  }

  async delete(key: BlobKey) {
    this.forget(key);
    await this.store.delete(key);
  }
}

/** The configured store, with an in-memory cache of `cacheBytes` (0: none) in front. */
export function openBlobStore(config: BlobStoreConfig, cacheBytes: number, spoolDir: string): BlobStore {
  const store = config.kind === "s3" ? new S3BlobStore(config, spoolDir) : new FolderBlobStore(config.dir);
  return cacheBytes > 0 ? new CachedBlobStore(store, cacheBytes) : store;
}
