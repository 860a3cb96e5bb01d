// The disclosure log: one row per record served, written before the bytes leave the gateway with an insertion id, and
// later given its log sequence number and anchored on chain in a Merkle batch (disclosureAnchor.ts). A patient reads
// their rows with the proof that ties each to a root.
import "server-only";
import type { Address, Hex } from "viem";
import {
  disclosureLeaf,
  merkleTree,
  type DisclosureAnchorInfo,
  type DisclosureEntry,
  type ListedDisclosure,
  type MerkleTree,
} from "@/lib/vault/disclosureProof";
import type { Queryable } from "./db";

/** A read about to be served, with the block its access decision was read at; its seq is assigned at anchoring. */
export type NewDisclosure = Omit<DisclosureEntry, "seq"> & { decisionBlock: bigint };

/** A committed disclosure that no batch covers yet: the planner gives it the next sequence number. */
export interface UnsequencedDisclosure {
  id: bigint;
  entry: Omit<DisclosureEntry, "seq">;
}

interface DisclosureRow {
  id: string | number;
  seq: string | number | null;
  reader: string;
  patient: string;
  record_id: string;
  purpose: number;
  served_at: string | number;
  request_id: string;
  batch_root: string | null;
  decision_block: string | number | null;
}

const COLUMNS = `id, seq, reader, patient, record_id::text AS record_id, purpose, served_at,
  request_id::text AS request_id, batch_root, decision_block`;

function unsequencedEntryOf(row: DisclosureRow): Omit<DisclosureEntry, "seq"> {
  return {
    reader: row.reader as Address,
    patient: row.patient as Address,
    recordId: BigInt(row.record_id),
    purpose: Number(row.purpose),
    servedAt: Number(row.served_at),
    requestId: row.request_id,
  };
}

/** The entry of a row that has its sequence number (every row of a planned or anchored batch). */
export function entryOfRow(row: DisclosureRow): DisclosureEntry {
  if (row.seq === null) throw new Error(`disclosure ${row.id} has no sequence number yet`);
  return { seq: BigInt(row.seq), ...unsequencedEntryOf(row) };
}

/** The parameters $1..$7 of a disclosure insert: patient, record id, reader, purpose, time, request id, block. */
export function disclosureParams(entry: NewDisclosure): unknown[] {
  return [
    entry.patient,
    entry.recordId.toString(),
    entry.reader,
    entry.purpose,
    entry.servedAt,
    entry.requestId,
    entry.decisionBlock.toString(),
  ];
}

/**
 * The read path's one statement: if `reader` holds a wrapped key to the record, logs the disclosure and returns its
 * insertion id with the key; otherwise logs nothing and returns undefined.
 */
export async function logDisclosureWithKey(
  db: Queryable,
  entry: NewDisclosure,
): Promise<{ id: bigint; wrappedKey: Uint8Array } | undefined> {
  const rows = await db.query<{ id: string | number; wrapped_key: Uint8Array }>(
    `WITH k AS (
       SELECT wrapped_key FROM wrapped_keys WHERE patient = $1 AND record_id = $2::numeric AND recipient = $3
     ), d AS (
       INSERT INTO disclosures (reader, patient, record_id, purpose, served_at, request_id, decision_block)
       SELECT $3, $1, $2::numeric, $4::smallint, $5::bigint, $6::uuid, $7::bigint FROM k
       RETURNING id
     )
     SELECT d.id, k.wrapped_key FROM d, k`,
    disclosureParams(entry),
  );
  return rows.length === 0 ? undefined : { id: BigInt(rows[0].id), wrappedKey: rows[0].wrapped_key };
}

/** Committed disclosures without a sequence number, in the order they were logged. */
export async function unsequencedDisclosures(db: Queryable, limit: number): Promise<UnsequencedDisclosure[]> {
  const rows = await db.query<DisclosureRow>(
    `SELECT ${COLUMNS} FROM disclosures WHERE seq IS NULL ORDER BY id LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({ id: BigInt(row.id), entry: unsequencedEntryOf(row) }));
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

/**
 * A patient's disclosures, newest first (by id; `before` is an id), each with its sequence number once a batch is
 * planned and its Merkle proof once that batch is anchored on chain.
 */
export async function listDisclosures(
  db: Queryable,
  patient: Address,
  options: { before?: bigint; limit: number },
): Promise<ListedDisclosure[]> {
  const rows = await db.query<
    DisclosureRow & {
      from_seq: string | null;
      to_seq: string | null;
      tx_hash: string | null;
      anchored_at: string | number | null;
    }
  >(
    `SELECT d.id, d.seq, d.reader, d.patient, d.record_id::text AS record_id, d.purpose, d.served_at,
            d.request_id::text AS request_id, d.batch_root, d.decision_block, b.from_seq, b.to_seq, b.tx_hash,
            b.anchored_at
       FROM disclosures d LEFT JOIN disclosure_batches b ON b.root = d.batch_root
      WHERE d.patient = $1 AND d.id < $2
      ORDER BY d.id DESC LIMIT $3`,
    [patient, (options.before ?? 1n << 62n).toString(), options.limit],
  );
  const out: ListedDisclosure[] = [];
  for (const row of rows) {
    const unsequenced = unsequencedEntryOf(row);
    let anchor: DisclosureAnchorInfo | null = null;
    if (row.batch_root !== null && row.seq !== null && row.tx_hash !== null && row.anchored_at !== null) {
      const entry = entryOfRow(row);
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
      id: Number(row.id),
      seq: row.seq === null ? null : Number(row.seq),
      reader: unsequenced.reader,
      patient: unsequenced.patient,
      recordId: unsequenced.recordId.toString(),
      purpose: unsequenced.purpose,
      servedAt: unsequenced.servedAt,
      requestId: unsequenced.requestId,
      decisionBlock: row.decision_block === null ? null : Number(row.decision_block),
      anchor,
    });
  }
  return out;
}
