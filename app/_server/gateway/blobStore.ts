// Where encrypted record files live, named by their CID: a folder (the default) or an S3-compatible bucket. The
// gateway only ever stores ciphertext whose SHA-256 matches the CID, so a name can never point at other content.
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { isRecordCid } from "../../_lib/vault/cid";
import type { BlobStoreConfig } from "./config";

export interface BlobStore {
  /** Stores the bytes under `cid` (replacing identical content is harmless: the name is the hash). */
  put(cid: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or undefined when there is no such blob. */
  get(cid: string): Promise<Uint8Array | undefined>;
  has(cid: string): Promise<boolean>;
}

/** Refuses anything but a record CID before it is used in a path or an object key. */
function checkedCid(cid: string): string {
  if (!isRecordCid(cid)) throw new Error(`Not a record CID: ${JSON.stringify(cid.slice(0, 80))}`);
  return cid;
}

const isMissing = (error: unknown) =>
  typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "ENOENT";

export class FolderBlobStore implements BlobStore {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {}

  private pathOf(cid: string) {
    return path.join(/*turbopackIgnore: true*/ this.dir, checkedCid(cid));
  }

  async put(cid: string, bytes: Uint8Array) {
    const target = this.pathOf(cid);
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    // Write a temporary file, then rename: a reader never sees half a file, and a crash leaves no partial blob.
    const temporary = path.join(/*turbopackIgnore: true*/ this.dir, `.upload-${randomUUID()}`);
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(cid: string) {
    try {
      return new Uint8Array(await readFile(this.pathOf(cid)));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async has(cid: string) {
    try {
      return (await stat(this.pathOf(cid))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
}

type S3Module = typeof import("@aws-sdk/client-s3");

export class S3BlobStore implements BlobStore {
  private client: Promise<{ s3: S3Module; client: InstanceType<S3Module["S3Client"]> }> | undefined;

  constructor(private readonly config: Extract<BlobStoreConfig, { kind: "s3" }>) {}

  // The SDK is loaded on first use, so deployments with a folder store never load it.
  private connect() {
    this.client ??= import("@aws-sdk/client-s3").then((s3) => ({
      s3,
      client: new s3.S3Client({
        region: this.config.region,
        endpoint: this.config.endpoint,
        // Path-style URLs (endpoint/bucket/key) for S3-compatible servers such as MinIO or s3rver.
        forcePathStyle: this.config.endpoint !== undefined,
        // The gateway has already checked the SHA-256 of every upload against its CID, and readers check it again;
        // the SDK's default CRC checksums (aws-chunked uploads) are not understood by every S3-compatible server.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        // A stalled object store fails the request instead of holding it open.
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
      }),
    }));
    return this.client;
  }

  private keyOf(cid: string) {
    return `${this.config.prefix}${checkedCid(cid)}`;
  }

  async put(cid: string, bytes: Uint8Array) {
    const { s3, client } = await this.connect();
    await client.send(
      new s3.PutObjectCommand({
        Bucket: this.config.bucket,
        Key: this.keyOf(cid),
        Body: bytes,
        ContentType: "application/octet-stream",
      }),
    );
  }

  async get(cid: string) {
    const { s3, client } = await this.connect();
    try {
      const object = await client.send(new s3.GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(cid) }));
      if (object.Body === undefined) return undefined;
      return await object.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof s3.NoSuchKey) return undefined;
      throw error;
    }
  }

  async has(cid: string) {
    const { s3, client } = await this.connect();
    try {
      await client.send(new s3.HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(cid) }));
      return true;
    } catch (error) {
      if (error instanceof s3.NotFound || error instanceof s3.NoSuchKey) return false;
      throw error;
    }
  }
}

/**
 * Keeps recently read or written blobs in memory, up to `maxBytes` in all. Blobs are named by their hash and never
 * change, so a cached copy can never be stale; access is still decided per request before any blob is read.
 */
export class CachedBlobStore implements BlobStore {
  private readonly cache = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    private readonly store: BlobStore,
    private readonly maxBytes: number,
    private readonly maxItemBytes = Math.floor(maxBytes / 16),
  ) {}

  private remember(cid: string, blob: Uint8Array) {
    if (blob.byteLength > this.maxItemBytes) return;
    const old = this.cache.get(cid);
    if (old !== undefined) {
      this.cache.delete(cid);
      this.bytes -= old.byteLength;
    }
    this.cache.set(cid, blob);
    this.bytes += blob.byteLength;
    for (const [oldest, evicted] of this.cache) {
      if (this.bytes <= this.maxBytes) break;
      this.cache.delete(oldest);
      this.bytes -= evicted.byteLength;
    }
  }

  async put(cid: string, bytes: Uint8Array) {
    await this.store.put(cid, bytes);
    this.remember(cid, bytes);
  }

  async get(cid: string) {
    const cached = this.cache.get(cid);
    if (cached !== undefined) {
      this.remember(cid, cached); // most recently used
      return cached;
    }
    const blob = await this.store.get(cid);
    if (blob !== undefined) this.remember(cid, blob);
    return blob;
  }

  async has(cid: string) {
    return this.cache.has(cid) || this.store.has(cid);
  }
}

/** The configured store, with an in-memory cache of `cacheBytes` (0: none) in front. */
export function openBlobStore(config: BlobStoreConfig, cacheBytes = 0): BlobStore {
  const store = config.kind === "s3" ? new S3BlobStore(config) : new FolderBlobStore(config.dir);
  return cacheBytes > 0 ? new CachedBlobStore(store, cacheBytes) : store;
}
