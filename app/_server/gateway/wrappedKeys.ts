// Wrapped record keys: one per (patient, record, recipient), the record key sealed to the recipient's X25519 key. The
// gateway cannot open them; it hands each reader only their own, and deletes them once that reader loses access.
import type { Address } from "viem";
import type { Queryable } from "./db";

export interface StoredKey {
  patient: Address;
  recordId: bigint;
  recipient: Address;
  wrappedKey: Uint8Array;
  category: number;
  storedBy: Address;
}

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

/** Stores or replaces a wrapped key; true when it was new. */
export async function upsertWrappedKey(db: Queryable, key: StoredKey, now = Date.now()): Promise<boolean> {
  const rows = await db.query<{ inserted: boolean }>(
    `INSERT INTO wrapped_keys (patient, record_id, recipient, wrapped_key, category, stored_by, stored_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (patient, record_id, recipient)
       DO UPDATE SET wrapped_key = EXCLUDED.wrapped_key, stored_by = EXCLUDED.stored_by, stored_at = EXCLUDED.stored_at
     RETURNING (xmax = 0) AS inserted`,
    [key.patient, key.recordId.toString(), key.recipient, key.wrappedKey, key.category, key.storedBy, now],
  );
  return rows[0]?.inserted === true;
}

/** The patient's own wrapped keys (recipient = patient), by record id. */
export async function listOwnKeys(db: Queryable, patient: Address) {
  const rows = await db.query<{ record_id: string; wrapped_key: Uint8Array }>(
    "SELECT record_id::text AS record_id, wrapped_key FROM wrapped_keys WHERE patient = $1 AND recipient = $1 ORDER BY record_id",
    [patient],
  );
  return rows.map((row) => ({ recordId: row.record_id, wrappedKey: row.wrapped_key }));
}

/** Deletes a reader's keys to the patient's records of the given categories (all categories when undefined). */
export async function deleteReaderKeys(
  db: Queryable,
  patient: Address,
  reader: Address,
  categories?: readonly number[],
): Promise<number> {
  if (reader === patient) return 0;
  const rows =
    categories === undefined
      ? await db.query<{ record_id: string }>(
          "DELETE FROM wrapped_keys WHERE patient = $1 AND recipient = $2 RETURNING record_id::text AS record_id",
          [patient, reader],
        )
      : await db.query<{ record_id: string }>(
          `DELETE FROM wrapped_keys WHERE patient = $1 AND recipient = $2 AND category = ANY($3::smallint[])
           RETURNING record_id::text AS record_id`,
          [patient, reader, categories],
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
