// Blob bindings: each stored ciphertext belongs to the patient (and category) it was uploaded for, and a record's bytes
// are served only when that binding matches the record on chain. A binding counts against its patient's quotas, may
// carry the patient's own wrapped key until the record is mined, and is deleted if no RecordAdded references it in time.
import "server-only";
import type { Address } from "viem";
import { cidOfHash } from "@/lib/vault/cid";
import type { RecordMeta } from "@/server/gateway/chain/chainReads";
import type { GatewayConfig } from "@/server/gateway/config";
import type { Gateway } from "@/server/gateway/context";
import type { Queryable } from "./db";
import { BlobDamagedError, type BlobBody, type BlobKey } from "./blobStore";
import { GatewayError, notFound } from "@/server/gateway/http/errors";

export interface BlobBinding {
  patient: Address;
  cid: string;
  category: number;
  uploader: Address;
  size: number;
  uploadedAt: number;
  /** The first record seen on chain that references it; undefined while unreferenced. */
  recordId?: bigint;
  /** The patient's own wrapped key, stored with the upload and not yet promoted to the record. */
  pendingKey?: Uint8Array;
}

interface BindingRow {
  patient: string;
  cid: string;
  category: number;
  uploader: string;
  size: string | number;
  uploaded_at: string | number;
  record_id: string | null;
  pending_key: Uint8Array | null;
}

const COLUMNS = "patient, cid, category, uploader, size, uploaded_at, record_id::text AS record_id, pending_key";

function bindingOfRow(row: BindingRow): BlobBinding {
  return {
    patient: row.patient as Address,
    cid: row.cid,
    category: Number(row.category),
    uploader: row.uploader as Address,
    size: Number(row.size),
    uploadedAt: Number(row.uploaded_at),
    recordId: row.record_id === null ? undefined : BigInt(row.record_id),
    pendingKey: row.pending_key ?? undefined,
  };
}

export async function findBinding(db: Queryable, key: BlobKey): Promise<BlobBinding | undefined> {
  const rows = await db.query<BindingRow>(`SELECT ${COLUMNS} FROM blobs WHERE patient = $1 AND cid = $2`, [
    key.patient,
    key.cid,
  ]);
  return rows[0] === undefined ? undefined : bindingOfRow(rows[0]);
}

/**
 * Marks a binding as referenced by `recordId` (the caller has checked the record's patient, hash and category) and
 * promotes its pending key to the patient's wrapped key for that record, unless the patient already has one there.
 */
export async function noteReference(db: Queryable, key: BlobKey, recordId: bigint, now = Date.now()): Promise<void> {
  await db.query(
    `WITH old AS (
       SELECT patient, category, pending_key, pending_key_by FROM blobs WHERE patient = $1 AND cid = $2
     ), marked AS (
       UPDATE blobs SET record_id = COALESCE(record_id, $3::numeric), referenced_at = COALESCE(referenced_at, $4::bigint),
         pending_key = NULL, pending_key_by = NULL
       WHERE patient = $1 AND cid = $2
     )
     INSERT INTO wrapped_keys (patient, record_id, recipient, wrapped_key, category, stored_by, stored_at)
       SELECT patient, $3::numeric, patient, pending_key, category, pending_key_by, $4::bigint
       FROM old WHERE pending_key IS NOT NULL
     ON CONFLICT (patient, record_id, recipient) DO NOTHING`,
    [key.patient, key.cid, recordId.toString(), now],
  );
}

// ---- reading ------------------------------------------------------------------------------------------------------

const blobNotFound = () =>
  notFound(
    "blob_not_found",
    "No encrypted file was uploaded to this gateway for this patient under this record's content hash.",
  );

const blobDamaged = () =>
  notFound(
    "blob_damaged",
    "This gateway's copy of the record's encrypted file was damaged and has been removed: upload the file again.",
  );

/**
 * The bytes of `record` as uploaded for `patient`: only when a binding of that patient, content hash and category
 * exists, so a record that copies another patient's content hash (or declares another category) gets nothing. Seeing
 * the record marks the binding referenced and promotes the patient's pending key.
 */
export async function openBoundBlob(
  gateway: Gateway,
  patient: Address,
  recordId: bigint,
  record: RecordMeta,
): Promise<BlobBody> {
  const key = { patient, cid: cidOfHash(record.contentHash) };
  const binding = await findBinding(gateway.db, key);
  if (binding === undefined) throw blobNotFound();
  if (binding.category !== record.category) {
    throw notFound(
      "blob_category_mismatch",
      `The encrypted file was uploaded for category ${binding.category}, but record ${recordId} is in category ` +
        `${record.category} on chain, so it is not served.`,
    );
  }
  if (binding.recordId === undefined || binding.pendingKey !== undefined) {
    await noteReference(gateway.db, key, recordId);
  }
  let body: BlobBody | undefined;
  try {
    body = await gateway.blobs.open(key);
  } catch (error) {
    if (error instanceof BlobDamagedError) throw blobDamaged();
    throw error;
  }
  if (body === undefined) throw blobNotFound();
  if (body.size !== binding.size) {
    // A torn write: never served; deleting it lets a re-upload of the same bytes repair it.
    await body.stream.cancel().catch(() => undefined);
    await gateway.blobs.delete(key);
    throw blobDamaged();
  }
  return body;
}

// ---- finding the records that reference bindings ------------------------------------------------------------------

/**
 * The patient's records (newest first) that reference the wanted bindings (same content hash and category): cid →
 * record id. Record metadata is immutable and cached, so repeated scans cost one recordCount call.
 */
export async function findReferencingRecords(
  gateway: Gateway,
  patient: Address,
  wanted: ReadonlyMap<string, number>,
): Promise<Map<string, bigint>> {
  const found = new Map<string, bigint>();
  if (wanted.size === 0) return found;
  const count = await gateway.chain.recordCount(patient);
  for (let id = count; id >= 1n && found.size < wanted.size; id--) {
    const record = await gateway.chain.record(patient, id);
    if (record === undefined) continue;
    const cid = cidOfHash(record.contentHash);
    if (wanted.get(cid) === record.category && !found.has(cid)) found.set(cid, id);
  }
  return found;
}

/** Checks the chain for the patient's unreferenced bindings (all, or those with a pending key) and marks them. */
export async function refreshReferences(
  gateway: Gateway,
  patient: Address,
  options: { withPendingKeyOnly?: boolean } = {},
): Promise<number> {
  const rows = await gateway.db.query<{ cid: string; category: number }>(
    `SELECT cid, category FROM blobs WHERE patient = $1 AND record_id IS NULL
       ${options.withPendingKeyOnly ? "AND pending_key IS NOT NULL" : ""}`,
    [patient],
  );
  const found = await findReferencingRecords(
    gateway,
    patient,
    new Map(rows.map((row) => [row.cid, Number(row.category)])),
  );
  for (const [cid, recordId] of found) await noteReference(gateway.db, { patient, cid }, recordId);
  return found.size;
}

/** After a key PUT for a record: marks its binding referenced (the record is on chain) if it matches. */
export async function noteRecordSeen(gateway: Gateway, patient: Address, recordId: bigint): Promise<void> {
  const record = await gateway.chain.record(patient, recordId);
  if (record === undefined) return;
  const key = { patient, cid: cidOfHash(record.contentHash) };
  const binding = await findBinding(gateway.db, key);
  if (binding !== undefined && binding.category === record.category && binding.recordId === undefined) {
    await noteReference(gateway.db, key, recordId);
  }
}

// ---- quotas -------------------------------------------------------------------------------------------------------

interface Usage {
  /** Bytes the patient's account holds. */
  account: number;
  /** Of those, bytes no record references yet. */
  pending: number;
  /** Unreferenced bytes of all accounts together. */
  pendingTotal: number;
}

async function usageOf(db: Queryable, patient: Address): Promise<Usage> {
  const [own] = await db.query<{ account: string | number; pending: string | number }>(
    `SELECT COALESCE(SUM(size), 0)::text AS account,
            COALESCE(SUM(size) FILTER (WHERE record_id IS NULL), 0)::text AS pending
       FROM blobs WHERE patient = $1`,
    [patient],
  );
  const [all] = await db.query<{ total: string | number }>(
    "SELECT COALESCE(SUM(size), 0)::text AS total FROM blobs WHERE record_id IS NULL",
  );
  return { account: Number(own.account), pending: Number(own.pending), pendingTotal: Number(all.total) };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MiB (${bytes} bytes)`;

/** The refusal for storing `size` more bytes for `patient`, or undefined when every quota allows it. */
export function quotaRefusal(config: GatewayConfig, usage: Usage, size: number): GatewayError | undefined {
  if (usage.account + size > config.accountQuotaBytes) {
    return new GatewayError(
      403,
      "quota_exceeded",
      `This patient's account may hold at most ${mib(config.accountQuotaBytes)} of encrypted files and already holds ` +
        `${mib(usage.account)}: a file of ${size} bytes does not fit, so nothing was stored.`,
    );
  }
  if (usage.pending + size > config.pendingQuotaBytes) {
    return new GatewayError(
      429,
      "pending_quota_exceeded",
      `At most ${mib(config.pendingQuotaBytes)} of files uploaded for one patient may wait to be registered on the ` +
        `chain, and ${mib(usage.pending)} are waiting: register those (add the records), or wait until unregistered ` +
        `ones expire after ${config.unreferencedBlobTtlSeconds} seconds. Nothing was stored.`,
    );
  }
  if (usage.pendingTotal + size > config.pendingTotalBytes) {
    return new GatewayError(
      429,
      "pending_quota_exceeded",
      `This gateway holds its limit of ${mib(config.pendingTotalBytes)} of files not yet registered on the chain ` +
        "(all accounts together). Try again later. Nothing was stored.",
    );
  }
  return undefined;
}

/**
 * Before any byte is read: refuses an upload that cannot fit. When only the patient's pending quota is in the way,
 * the chain is asked first which of the patient's waiting files have been registered since.
 */
export async function checkQuotasAhead(gateway: Gateway, patient: Address, size: number): Promise<void> {
  let refusal = quotaRefusal(gateway.config, await usageOf(gateway.db, patient), size);
  if (refusal?.code === "pending_quota_exceeded" && (await refreshReferences(gateway, patient)) > 0) {
    refusal = quotaRefusal(gateway.config, await usageOf(gateway.db, patient), size);
  }
  if (refusal !== undefined) throw refusal;
}

// ---- storing ------------------------------------------------------------------------------------------------------

export interface NewBinding {
  key: BlobKey;
  category: number;
  uploader: Address;
  size: number;
  /** The patient's own wrapped key, sent with the upload (X-Wrapped-Key). */
  pendingKey?: Uint8Array;
}

// Any constant: serialises the quota check and the insert of new bindings across gateway processes.
const QUOTA_LOCK = 5_170_432;

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/**
 * The refusal of an upload to an existing binding, if any: another category, or a pending key that only the patient
 * may replace (an author may set it only while there is none).
 */
export function existingBindingRefusal(binding: BlobBinding, upload: NewBinding): GatewayError | undefined {
  if (binding.category !== upload.category) {
    return new GatewayError(
      409,
      "blob_category_conflict",
      `This file is already stored for this patient in category ${binding.category}, not ${upload.category}.`,
    );
  }
  const { pendingKey } = upload;
  if (pendingKey === undefined || upload.uploader === upload.key.patient) return undefined;
  const untouched = binding.pendingKey === undefined && binding.recordId === undefined;
  if (untouched || (binding.pendingKey !== undefined && sameBytes(binding.pendingKey, pendingKey))) return undefined;
  return new GatewayError(
    409,
    "pending_key_exists",
    "The patient's own key to this file is already stored: only the patient may replace it.",
  );
}

/**
 * Records the binding (or updates an existing one's pending key) in one transaction with the quota check, so two
 * uploads at once cannot both squeeze under a quota. True when the binding is new.
 */
export async function storeBinding(gateway: Gateway, upload: NewBinding, now = Date.now()): Promise<boolean> {
  return gateway.db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [QUOTA_LOCK]);
    const existing = await findBinding(tx, upload.key);
    if (existing !== undefined) {
      const refusal = existingBindingRefusal(existing, upload);
      if (refusal !== undefined) throw refusal;
      if (upload.pendingKey !== undefined) {
        await tx.query("UPDATE blobs SET pending_key = $3, pending_key_by = $4 WHERE patient = $1 AND cid = $2", [
          upload.key.patient,
          upload.key.cid,
          upload.pendingKey,
          upload.uploader,
        ]);
      }
      return false;
    }
    const refusal = quotaRefusal(gateway.config, await usageOf(tx, upload.key.patient), upload.size);
    if (refusal !== undefined) throw refusal;
    await tx.query(
      `INSERT INTO blobs (patient, cid, category, uploader, size, uploaded_at, pending_key, pending_key_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        upload.key.patient,
        upload.key.cid,
        upload.category,
        upload.uploader,
        upload.size,
        now,
        upload.pendingKey ?? null,
        upload.pendingKey === undefined ? null : upload.uploader,
      ],
    );
    return true;
  });
}

/** Removes a binding this request just created, when its bytes could not be stored. */
export async function dropNewBinding(db: Queryable, key: BlobKey): Promise<void> {
  await db.query("DELETE FROM blobs WHERE patient = $1 AND cid = $2 AND record_id IS NULL", [key.patient, key.cid]);
}

// ---- expiry -------------------------------------------------------------------------------------------------------

/** How many unreferenced bindings one sweep looks at; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

/**
 * Deletes the bindings (and bytes) that no RecordAdded references `unreferencedBlobTtlSeconds` after their upload.
 * The chain decides: a binding whose record exists is marked referenced and kept. A patient whose records cannot be
 * read now is skipped (fail closed: nothing is deleted on a chain error). Returns how many were deleted.
 */
export async function sweepUnreferencedBlobs(gateway: Gateway, now = Date.now()): Promise<number> {
  const cutoff = now - gateway.config.unreferencedBlobTtlSeconds * 1000;
  const rows = await gateway.db.query<{ patient: string; cid: string; category: number }>(
    `SELECT patient, cid, category FROM blobs WHERE record_id IS NULL AND uploaded_at <= $1
       ORDER BY uploaded_at LIMIT ${SWEEP_BATCH}`,
    [cutoff],
  );
  const byPatient = new Map<Address, Map<string, number>>();
  for (const row of rows) {
    const patient = row.patient as Address;
    if (!byPatient.has(patient)) byPatient.set(patient, new Map());
    byPatient.get(patient)!.set(row.cid, Number(row.category));
  }
  let deleted = 0;
  for (const [patient, wanted] of byPatient) {
    let found: Map<string, bigint>;
    try {
      found = await findReferencingRecords(gateway, patient, wanted);
    } catch (error) {
      console.error(`gateway: blob sweep skipped ${patient}:`, error instanceof Error ? error.message : error);
      continue;
    }
    for (const cid of wanted.keys()) {
      const key = { patient, cid };
      const recordId = found.get(cid);
      if (recordId !== undefined) {
        await noteReference(gateway.db, key, recordId);
        continue;
      }
      // The row goes first (only if still unreferenced and old), then the bytes: a read never finds a binding
      // without bytes that it would then report as missing.
      const gone = await gateway.db.query(
        "DELETE FROM blobs WHERE patient = $1 AND cid = $2 AND record_id IS NULL AND uploaded_at <= $3 RETURNING cid",
        [patient, cid, cutoff],
      );
      if (gone.length === 0) continue;
      await gateway.blobs.delete(key);
      deleted++;
    }
  }
  return deleted;
}
