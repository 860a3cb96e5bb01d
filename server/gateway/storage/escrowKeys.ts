// Escrow copies of routine record keys: one per (patient, record), wrapped for the operator's escrow key, kept apart
// from wrapped_keys so no listing or read of wrapped keys can ever return one. Only the emergency read uses them, to
// re-wrap in memory for a provider whose break-glass window is open.
import "server-only";
import type { Address } from "viem";
import { disclosureParams, type NewDisclosure } from "./disclosures";
import type { Queryable } from "./db";

export interface EscrowCopy {
  patient: Address;
  recordId: bigint;
  wrappedKey: Uint8Array;
  category: number;
}

/** Stores or replaces the escrow copy of one record; true when it was new. */
export async function upsertEscrowKey(db: Queryable, copy: EscrowCopy, now = Date.now()): Promise<boolean> {
  const rows = await db.query<{ inserted: boolean }>(
    `INSERT INTO escrow_keys (patient, record_id, wrapped_key, category, stored_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (patient, record_id)
       DO UPDATE SET wrapped_key = EXCLUDED.wrapped_key, stored_at = EXCLUDED.stored_at
     RETURNING (xmax = 0) AS inserted`,
    [copy.patient, copy.recordId.toString(), copy.wrappedKey, copy.category, now],
  );
  return rows[0]?.inserted === true;
}

/** The escrow copy of one record, or undefined. */
export async function findEscrowKey(
  db: Queryable,
  patient: Address,
  recordId: bigint,
): Promise<Uint8Array | undefined> {
  const rows = await db.query<{ wrapped_key: Uint8Array }>(
    "SELECT wrapped_key FROM escrow_keys WHERE patient = $1 AND record_id = $2",
    [patient, recordId.toString()],
  );
  return rows[0]?.wrapped_key;
}

/** The ids of the patient's records that have an escrow copy (never the copies themselves). */
export async function escrowRecordIds(db: Queryable, patient: Address): Promise<string[]> {
  const rows = await db.query<{ record_id: string }>(
    "SELECT record_id::text AS record_id FROM escrow_keys WHERE patient = $1 ORDER BY record_id",
    [patient],
  );
  return rows.map((row) => row.record_id);
}

/** Deletes every escrow copy of the patient; returns how many there were. */
export async function deleteEscrowKeys(db: Queryable, patient: Address): Promise<number> {
  const rows = await db.query<{ record_id: string }>(
    "DELETE FROM escrow_keys WHERE patient = $1 RETURNING record_id::text AS record_id",
    [patient],
  );
  return rows.length;
}

/** Every patient with at least one escrow copy. */
export async function escrowPatients(db: Queryable): Promise<Address[]> {
  const rows = await db.query<{ patient: string }>("SELECT DISTINCT patient FROM escrow_keys");
  return rows.map((row) => row.patient as Address);
}

/**
 * Logs an emergency read, in one statement, only while the record's escrow copy still exists: a copy deleted (the
 * patient turned emergency access off) between the re-wrap and this log means nothing is logged and nothing served.
 */
export async function logEscrowDisclosure(db: Queryable, entry: NewDisclosure): Promise<bigint | undefined> {
  const rows = await db.query<{ id: string | number }>(
    `INSERT INTO disclosures (reader, patient, record_id, purpose, served_at, request_id, decision_block)
     SELECT $3, $1, $2::numeric, $4::smallint, $5::bigint, $6::uuid, $7::bigint
      WHERE EXISTS (SELECT 1 FROM escrow_keys WHERE patient = $1 AND record_id = $2::numeric)
     RETURNING id`,
    disclosureParams(entry),
  );
  return rows.length === 0 ? undefined : BigInt(rows[0].id);
}
