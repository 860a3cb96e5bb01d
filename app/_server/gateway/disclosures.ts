// The disclosure log: one row per record served, written before the bytes leave the gateway, and later anchored on
// chain in Merkle batches (disclosureAnchor.ts). A patient reads their rows with the proof that ties each to a root.
import type { Address, Hex } from "viem";
import {
  disclosureLeaf,
  merkleTree,
  type DisclosureAnchorInfo,
  type DisclosureEntry,
  type ListedDisclosure,
  type MerkleTree,
} from "../../_lib/vault/disclosureProof";
import type { Queryable } from "./db";

/** A read about to be served: its seq is assigned when it is logged. */
export type NewDisclosure = Omit<DisclosureEntry, "seq">;

interface DisclosureRow {
  seq: string | number;
  reader: string;
  patient: string;
  record_id: string;
  purpose: number;
  served_at: string | number;
  request_id: string;
  batch_root: string | null;
}

const COLUMNS =
  "seq, reader, patient, record_id::text AS record_id, purpose, served_at, request_id::text AS request_id, batch_root";

export function entryOfRow(row: DisclosureRow): DisclosureEntry {
  return {
    seq: BigInt(row.seq),
    reader: row.reader as Address,
    patient: row.patient as Address,
    recordId: BigInt(row.record_id),
    purpose: Number(row.purpose),
    servedAt: Number(row.served_at),
    requestId: row.request_id,
  };
}

/**
 * The read path's one statement: if `reader` holds a wrapped key to the record, logs the disclosure and returns its
 * seq with the key; otherwise logs nothing and returns undefined.
 */
export async function logDisclosureWithKey(
  db: Queryable,
  entry: NewDisclosure,
): Promise<{ seq: bigint; wrappedKey: Uint8Array } | undefined> {
  const rows = await db.query<{ seq: string | number; wrapped_key: Uint8Array }>(
    `WITH k AS (
       SELECT wrapped_key FROM wrapped_keys WHERE patient = $1 AND record_id = $2::numeric AND recipient = $3
     ), d AS (
       INSERT INTO disclosures (reader, patient, record_id, purpose, served_at, request_id)
       SELECT $3, $1, $2::numeric, $4::smallint, $5::bigint, $6::uuid FROM k
       RETURNING seq
     )
     SELECT d.seq, k.wrapped_key FROM d, k`,
    [entry.patient, entry.recordId.toString(), entry.reader, entry.purpose, entry.servedAt, entry.requestId],
  );
  return rows.length === 0 ? undefined : { seq: BigInt(rows[0].seq), wrappedKey: rows[0].wrapped_key };
}

/** Disclosures with seq ≥ fromSeq (the chain's nextSeq: everything after the last anchored batch), oldest first. */
export async function pendingDisclosures(db: Queryable, fromSeq: bigint, limit: number): Promise<DisclosureEntry[]> {
  const rows = await db.query<DisclosureRow>(
    `SELECT ${COLUMNS} FROM disclosures WHERE seq >= $1 ORDER BY seq LIMIT $2`,
    [fromSeq.toString(), limit],
  );
  return rows.map(entryOfRow);
}

// Batches never change once anchored, so their trees are kept (a few, newest used).
const trees = new Map<string, { tree: MerkleTree; index: Map<string, number> }>();
const MAX_CACHED_TREES = 64;

async function treeOf(db: Queryable, root: string) {
  const cached = trees.get(root);
  if (cached !== undefined) return cached;
  const rows = await db.query<DisclosureRow>(`SELECT ${COLUMNS} FROM disclosures WHERE batch_root = $1 ORDER BY seq`, [
    root,
  ]);
  const entries = rows.map(entryOfRow);
  const built = {
    tree: merkleTree(entries.map(disclosureLeaf)),
    index: new Map(entries.map((entry, i) => [entry.seq.toString(), i])),
  };
  trees.set(root, built);
  if (trees.size > MAX_CACHED_TREES) trees.delete(trees.keys().next().value as string);
  return built;
}

/** A patient's disclosures, newest first, each with its Merkle proof once anchored. */
export async function listDisclosures(
  db: Queryable,
  patient: Address,
  options: { before?: bigint; limit: number },
): Promise<ListedDisclosure[]> {
  const rows = await db.query<
    DisclosureRow & { from_seq: string | null; to_seq: string | null; tx_hash: string | null }
  >(
    `SELECT d.seq, d.reader, d.patient, d.record_id::text AS record_id, d.purpose, d.served_at,
            d.request_id::text AS request_id, d.batch_root, b.from_seq, b.to_seq, b.tx_hash
       FROM disclosures d LEFT JOIN disclosure_batches b ON b.root = d.batch_root
      WHERE d.patient = $1 AND d.seq < $2
      ORDER BY d.seq DESC LIMIT $3`,
    [patient, (options.before ?? 1n << 62n).toString(), options.limit],
  );
  const out: ListedDisclosure[] = [];
  for (const row of rows) {
    const entry = entryOfRow(row);
    let anchor: DisclosureAnchorInfo | null = null;
    if (row.batch_root !== null && row.tx_hash !== null) {
      const { tree, index } = await treeOf(db, row.batch_root);
      const position = index.get(entry.seq.toString());
      if (position !== undefined) {
        anchor = {
          root: row.batch_root as Hex,
          proof: tree.proof(position),
          fromSeq: Number(row.from_seq),
          toSeq: Number(row.to_seq),
          txHash: row.tx_hash as Hex,
        };
      }
    }
    out.push({
      seq: Number(entry.seq),
      reader: entry.reader,
      patient: entry.patient,
      recordId: entry.recordId.toString(),
      purpose: entry.purpose,
      servedAt: entry.servedAt,
      requestId: entry.requestId,
      anchor,
    });
  }
  return out;
}
