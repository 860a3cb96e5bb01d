// Wrapped record keys: one per (patient, record, recipient), the record key sealed to the recipient's X25519 key. The
// gateway cannot open them; it hands each reader only their own, and deletes them once that reader loses access. A
// replaced key is kept in wrapped_key_versions, so no key is ever lost silently.
import "server-only";
import type { Address } from "viem";
import type { Db, Queryable } from "./db";

export interface StoredKey {
  patient: Address;
  recordId: bigint;
  recipient: Address;
  wrappedKey: Uint8Array;
  category: number;
  storedBy: Address;
  /** The block of the chain check this key was stored after. */
  storedBlock: bigint;
}

export type KeyStoreOutcome = "created" | "replaced" | "unchanged" | "refused";

interface CurrentKeyRow {
  wrapped_key: Uint8Array;
  category: number;
  stored_by: string;
  stored_at: string | number;
  stored_block: string | number;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** The recipient's wrapped key for one record, or undefined. */
export async function findWrappedKey(
  db: Queryable,
  patient: Address,
  recordId: bigint,
  recipient: Address,
): Promise<Uint8Array | undefined> {
  const rows = await db.query<{ wrapped_key: Uint8Array }>(
    "SELECT wrapped_key FROM wrapped_keys WHERE patient = $1 AND record_id = $2 AND recipient = $3",
    [patient, recordId.toString(), recipient],
  );
  return rows[0]?.wrapped_key;
}

/**
 * Stores a wrapped key. An existing different key is replaced only when `mayReplace` (else "refused", nothing
 * changed), and then its previous version is kept in wrapped_key_versions. The same bytes again are "unchanged".
 * One transaction with the row locked, so two concurrent replacements both leave their predecessor in the history.
 */
export function storeWrappedKeyVersion(
  db: Db,
  key: StoredKey,
  options: { mayReplace: boolean },
  now = Date.now(),
): Promise<KeyStoreOutcome> {
  const id = [key.patient, key.recordId.toString(), key.recipient];
  return db.transaction(async (tx) => {
    const insert = () =>
      tx.query(
        `INSERT INTO wrapped_keys (patient, record_id, recipient, wrapped_key, category, stored_by, stored_at, stored_block)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (patient, record_id, recipient) DO NOTHING RETURNING recipient`,
        [...id, key.wrappedKey, key.category, key.storedBy, now, key.storedBlock.toString()],
      );
    if ((await insert()).length > 0) return "created";
    const [current] = await tx.query<CurrentKeyRow>(
      `SELECT wrapped_key, category, stored_by, stored_at, stored_block FROM wrapped_keys
        WHERE patient = $1 AND record_id = $2 AND recipient = $3 FOR UPDATE`,
      id,
    );
    // Deleted (a revocation's clean-up) between the two statements: this is then a new key after all.
    if (current === undefined) return (await insert()).length > 0 ? "created" : "refused";
    if (sameBytes(current.wrapped_key, key.wrappedKey)) {
      // A retry of the same key: only the newer chain check is remembered.
      await tx.query(
        `UPDATE wrapped_keys SET stored_block = GREATEST(stored_block, $4)
          WHERE patient = $1 AND record_id = $2 AND recipient = $3`,
        [...id, key.storedBlock.toString()],
      );
      return "unchanged";
    }
    if (!options.mayReplace) return "refused";
    await tx.query(
      `INSERT INTO wrapped_key_versions (patient, record_id, recipient, wrapped_key, category, stored_by, stored_at,
                                         stored_block, replaced_by, replaced_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        ...id,
        current.wrapped_key,
        current.category,
        current.stored_by,
        current.stored_at,
        current.stored_block,
        key.storedBy,
        now,
      ],
    );
    await tx.query(
      `UPDATE wrapped_keys SET wrapped_key = $4, stored_by = $5, stored_at = $6, stored_block = $7
        WHERE patient = $1 AND record_id = $2 AND recipient = $3`,
      [...id, key.wrappedKey, key.storedBy, now, key.storedBlock.toString()],
    );
    return "replaced";
  });
}

export interface KeyVersion {
  wrappedKey: Uint8Array;
  storedBy: Address;
  storedAt: number;
  /** Unix milliseconds; undefined for the current key. */
  replacedAt?: number;
  replacedBy?: Address;
}

/** One recipient's current key to a record and the versions it replaced, newest first. */
export async function keyVersions(
  db: Queryable,
  patient: Address,
  recordId: bigint,
  recipient: Address,
): Promise<{ current: KeyVersion | undefined; previous: KeyVersion[] }> {
  const id = [patient, recordId.toString(), recipient];
  const [current] = await db.query<CurrentKeyRow>(
    `SELECT wrapped_key, category, stored_by, stored_at, stored_block FROM wrapped_keys
      WHERE patient = $1 AND record_id = $2 AND recipient = $3`,
    id,
  );
  const previous = await db.query<CurrentKeyRow & { replaced_by: string; replaced_at: string | number }>(
    `SELECT wrapped_key, category, stored_by, stored_at, stored_block, replaced_by, replaced_at FROM wrapped_key_versions
      WHERE patient = $1 AND record_id = $2 AND recipient = $3 ORDER BY id DESC`,
    id,
  );
  const version = (row: CurrentKeyRow): KeyVersion => ({
    wrappedKey: row.wrapped_key,
    storedBy: row.stored_by as Address,
    storedAt: Number(row.stored_at),
  });
  return {
    current: current === undefined ? undefined : version(current),
    previous: previous.map((row) => ({
      ...version(row),
      replacedAt: Number(row.replaced_at),
      replacedBy: row.replaced_by as Address,
    })),
  };
}

/** The patient's own wrapped keys (recipient = patient), by record id. */
export async function listOwnKeys(db: Queryable, patient: Address) {
  const rows = await db.query<{ record_id: string; wrapped_key: Uint8Array }>(
    "SELECT record_id::text AS record_id, wrapped_key FROM wrapped_keys WHERE patient = $1 AND recipient = $1 ORDER BY record_id",
    [patient],
  );
  return rows.map((row) => ({ recordId: row.record_id, wrappedKey: row.wrapped_key }));
}

/**
 * Deletes a reader's keys (and their replaced versions) to the patient's records of the given categories (all
 * categories when undefined), but only keys stored after a chain check at or before `confirmedBlock`: a key stored
 * after the block the refusal was confirmed at may rest on a newer grant, and is kept.
 */
export async function deleteReaderKeys(
  db: Queryable,
  patient: Address,
  reader: Address,
  categories: readonly number[] | undefined,
  confirmedBlock: bigint,
): Promise<number> {
  if (reader === patient) return 0;
  const params = [patient, reader, confirmedBlock.toString(), categories === undefined ? null : categories];
  const where = `patient = $1 AND recipient = $2 AND stored_block <= $3::bigint
                 AND ($4::smallint[] IS NULL OR category = ANY($4::smallint[]))`;
  await db.query(`DELETE FROM wrapped_key_versions WHERE ${where}`, params);
  const rows = await db.query<{ record_id: string }>(
    `DELETE FROM wrapped_keys WHERE ${where} RETURNING record_id::text AS record_id`,
    params,
  );
  return rows.length;
}

/** Every (patient, recipient, category) with keys held by someone other than the patient. */
export async function grantedKeyGroups(db: Queryable) {
  const rows = await db.query<{ patient: string; recipient: string; category: number }>(
    "SELECT DISTINCT patient, recipient, category FROM wrapped_keys WHERE recipient <> patient",
  );
  return rows.map((row) => ({
    patient: row.patient as Address,
    recipient: row.recipient as Address,
    category: Number(row.category),
  }));
}
