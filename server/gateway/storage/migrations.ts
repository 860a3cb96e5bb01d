// The gateway's schema as numbered SQL migrations, applied in order once per database and recorded in
// schema_migrations. The same SQL runs on PGlite and Postgres. Never edit a released migration: add the next one.
import "server-only";
import type { Db } from "./db";

export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "vault gateway",
    sql: `
      CREATE TABLE siwe_nonces (
        nonce text PRIMARY KEY,
        client_hash bytea NOT NULL,          -- sha256 of the medconsent_siwe cookie it was issued to
        expires_at bigint NOT NULL,          -- unix milliseconds
        used_at bigint                       -- set before the signature check: single use
      );
      CREATE INDEX siwe_nonces_expires_at ON siwe_nonces (expires_at);

      CREATE TABLE sessions (
        token_hash bytea PRIMARY KEY,        -- sha256 of the medconsent_session cookie; the token itself is never stored
        address text NOT NULL,               -- checksummed
        chain_id integer NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL           -- unix milliseconds
      );
      CREATE INDEX sessions_expires_at ON sessions (expires_at);

      CREATE TABLE wrapped_keys (
        patient text NOT NULL,
        record_id numeric(20, 0) NOT NULL,
        recipient text NOT NULL,
        wrapped_key bytea NOT NULL,
        category smallint NOT NULL,          -- the record's category (immutable on chain), for revocation clean-up
        stored_by text NOT NULL,
        stored_at bigint NOT NULL,
        PRIMARY KEY (patient, record_id, recipient)
      );
      CREATE INDEX wrapped_keys_recipient ON wrapped_keys (recipient, patient, category);

      CREATE TABLE disclosure_batches (
        root text PRIMARY KEY,
        from_seq bigint NOT NULL,
        to_seq bigint NOT NULL,
        tx_hash text NOT NULL,
        anchored_at bigint NOT NULL
      );

      CREATE TABLE disclosures (
        seq bigserial PRIMARY KEY,
        reader text NOT NULL,
        patient text NOT NULL,
        record_id numeric(20, 0) NOT NULL,
        purpose smallint NOT NULL,           -- one purpose bit
        served_at bigint NOT NULL,           -- unix seconds
        request_id uuid NOT NULL,
        batch_root text REFERENCES disclosure_batches (root)
      );
      CREATE INDEX disclosures_patient ON disclosures (patient, seq);
      CREATE INDEX disclosures_batch_root ON disclosures (batch_root, seq);
    `,
  },
  {
    version: 2,
    name: "blob bindings",
    sql: `
      CREATE TABLE blobs (
        patient text NOT NULL,               -- checksummed; the bytes are stored per patient (<patient>/<cid>)
        cid text NOT NULL,                   -- names the SHA-256 of the ciphertext: the record's contentHash
        category smallint NOT NULL,          -- served only for a record of this patient, hash and category
        uploader text NOT NULL,
        size bigint NOT NULL,
        uploaded_at bigint NOT NULL,         -- unix milliseconds
        record_id numeric(20, 0),            -- the first record seen on chain that references it; NULL: unreferenced
        referenced_at bigint,                -- when that record was seen (unix milliseconds)
        pending_key bytea,                   -- the patient's own wrapped key, stored before addRecord
        pending_key_by text,
        PRIMARY KEY (patient, cid)
      );
      CREATE INDEX blobs_unreferenced ON blobs (uploaded_at) WHERE record_id IS NULL;
    `,
  },
  {
    version: 3,
    name: "disclosure seq at anchoring, batch plans, key versions and blocks",
    sql: `
      -- A disclosure gets an insertion id when it is served and its log sequence number only when a batch is planned,
      -- under the anchor lock, contiguously from the chain's nextSeq: a row still uncommitted is never skipped.
      ALTER TABLE disclosures RENAME COLUMN seq TO id;
      ALTER TABLE disclosures ADD COLUMN seq bigint;
      UPDATE disclosures SET seq = id WHERE batch_root IS NOT NULL;
      CREATE UNIQUE INDEX disclosures_seq ON disclosures (seq);
      CREATE INDEX disclosures_unsequenced ON disclosures (id) WHERE seq IS NULL;
      DROP INDEX disclosures_batch_root;
      CREATE INDEX disclosures_batch_root ON disclosures (batch_root, seq);
      ALTER TABLE disclosures ADD COLUMN decision_block bigint;  -- the block hasAccess was read at

      -- A batch is written as a plan (root, range, signed transaction) before it is sent; anchored_at is set once the
      -- chain holds its root.
      ALTER TABLE disclosure_batches ALTER COLUMN anchored_at DROP NOT NULL;
      ALTER TABLE disclosure_batches ADD COLUMN planned_at bigint;
      UPDATE disclosure_batches SET planned_at = anchored_at;
      ALTER TABLE disclosure_batches ALTER COLUMN planned_at SET NOT NULL;
      ALTER TABLE disclosure_batches ADD COLUMN planned_block bigint;
      ALTER TABLE disclosure_batches ADD COLUMN tx_nonce bigint;
      ALTER TABLE disclosure_batches ADD COLUMN signed_tx text;
      CREATE INDEX disclosure_batches_unconfirmed ON disclosure_batches (from_seq) WHERE anchored_at IS NULL;

      -- The block of the chain check a key was stored after: a refusal seen at an older block never deletes it.
      ALTER TABLE wrapped_keys ADD COLUMN stored_block bigint NOT NULL DEFAULT 0;
      CREATE TABLE wrapped_key_versions (
        id bigserial PRIMARY KEY,
        patient text NOT NULL,
        record_id numeric(20, 0) NOT NULL,
        recipient text NOT NULL,
        wrapped_key bytea NOT NULL,
        category smallint NOT NULL,
        stored_by text NOT NULL,
        stored_at bigint NOT NULL,
        stored_block bigint NOT NULL,
        replaced_by text NOT NULL,
        replaced_at bigint NOT NULL
      );
      CREATE INDEX wrapped_key_versions_key ON wrapped_key_versions (patient, record_id, recipient, id);
    `,
  },
  {
    version: 4,
    name: "relay quotas and shared rate limits",
    sql: `
      CREATE TABLE relay_usage (
        day integer NOT NULL,                -- the UTC day: unix milliseconds / 86,400,000
        account text NOT NULL,               -- the checksummed patient, or '*' for all accounts together
        relays integer NOT NULL,             -- transactions sent
        gas bigint NOT NULL,                 -- gas units they were sent with (the estimate, an upper bound)
        PRIMARY KEY (day, account)
      );

      CREATE TABLE rate_limits (
        key text PRIMARY KEY,                -- limiter name and key, e.g. 'auth-ip:203.0.113.7'
        window_end bigint NOT NULL,          -- unix milliseconds; the count starts again after it
        hits integer NOT NULL
      );
      CREATE INDEX rate_limits_window_end ON rate_limits (window_end);
    `,
  },
  {
    version: 5,
    name: "emergency escrow keys",
    sql: `
      CREATE TABLE escrow_keys (
        patient text NOT NULL,
        record_id numeric(20, 0) NOT NULL,
        wrapped_key bytea NOT NULL,          -- the record key wrapped for the operator's escrow key; never served as is
        category smallint NOT NULL CHECK (category BETWEEN 0 AND 12), -- routine categories only, never 32-36
        stored_at bigint NOT NULL,           -- unix milliseconds
        PRIMARY KEY (patient, record_id)
      );
    `,
  },
  {
    version: 6,
    name: "passkey accounts",
    sql: `
      CREATE TABLE passkey_accounts (
        account text PRIMARY KEY,            -- checksummed; PatientAccountFactory.predictAddress(x, y)
        x text NOT NULL,                     -- the passkey's P-256 public key, 0x + 64 hex digits each (public data)
        y text NOT NULL,
        credential_id text NOT NULL UNIQUE,  -- the WebAuthn credential id (base64url), for a returning patient's lookup
        created_at bigint NOT NULL,          -- unix milliseconds
        deployment_tx text,                  -- the sponsored createAccount's hash; NULL when none was sent (or it failed)
        deployment_claimed_at bigint,        -- a request is sending the deployment since then: no second one meanwhile
        deployed_at bigint                   -- when the gateway saw its code on chain (unix milliseconds)
      );
    `,
  },
  {
    version: 7,
    name: "passkey key copies",
    sql: `
      CREATE TABLE passkey_key_copies (
        account text NOT NULL,               -- checksummed passkey account
        credential_id text NOT NULL,         -- the added passkey's WebAuthn credential id (base64url)
        iv text NOT NULL,                    -- AES-GCM IV (base64url); the copy is sealed in the browser
        ciphertext text NOT NULL,            -- the account's X25519 key sealed for that passkey; the gateway cannot open it
        created_at bigint NOT NULL,          -- unix milliseconds
        PRIMARY KEY (account, credential_id)
      );
    `,
  },
];

// Any constant: keeps two gateway processes from migrating one Postgres at the same time.
const MIGRATION_LOCK = 5_170_431;

/** Applies the migrations not yet recorded in schema_migrations, in one transaction under an advisory lock. */
export async function migrate(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)",
    );
    const applied = new Set(
      (await tx.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
  });
}

/** One statement at a time: parameterised query() runs a single statement on both drivers. */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*/g, "")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
