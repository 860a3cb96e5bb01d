// The indexer's tables: every MedConsent event in chain order (the histories and the audit timeline), and the current
// state that lists need (providers, consents, patients' epochs and emergency setting, delegates, records, keys,
// anchors). Addresses are stored checksummed, as the contracts' events give them; amounts that exceed 2^53 are bigint.
import { index, onchainTable, primaryKey } from "ponder";

/** Every event of the five contracts, in chain order; `patient` and `party` are its indexed addresses. */
export const chainEvent = onchainTable(
  "chain_event",
  (t) => ({
    /** `${blockNumber}:${logIndex}`: unique, and the order of the chain. */
    id: t.text().primaryKey(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.integer().notNull(),
    transactionHash: t.hex().notNull(),
    contract: t.text().notNull(),
    name: t.text().notNull(),
    /** The patient the event is about, when it has one (ConsentRegistry and RecordRegistry events). */
    patient: t.hex(),
    /** The other party: grantee, delegate, author, provider, key owner or gateway. */
    party: t.hex(),
    /** The decoded arguments, bigints as decimal strings. */
    args: t.json().notNull(),
  }),
  // Lists read one patient's or party's events in id (chain) order: these indexes give that order directly. Without
  // `id` in them, PostgreSQL may walk the whole primary key in order, filtering, to fill a page.
  (table) => ({
    byPatient: index().on(table.patient, table.id),
    byParty: index().on(table.party, table.id),
  }),
);

/** One row per provider ever registered. */
export const provider = onchainTable("provider", (t) => ({
  address: t.hex().primaryKey(),
  kind: t.integer().notNull(),
  name: t.text().notNull(),
  credentialHash: t.hex().notNull(),
  active: t.boolean().notNull(),
  emergencyCapable: t.boolean().notNull(),
  registeredAt: t.integer().notNull(),
  registrar: t.hex().notNull(),
}));

/** A patient's epoch (bumped by revoke-all) and emergency setting. */
export const patient = onchainTable("patient", (t) => ({
  address: t.hex().primaryKey(),
  epoch: t.integer().notNull(),
  emergencyAccessAllowed: t.boolean().notNull(),
  /** Bumped each time the patient turns emergency access off, which ends every open window. */
  emergencyEpoch: t.integer().notNull(),
}));

/**
 * The latest consent of each (patient, grantee): the terms of its last grant, the epoch it was granted in, and whether
 * it was revoked since: explicitly, or by a revoke-all (which marks every live consent of the patient, so `revoked` alone
 * answers a list).
 */
export const consent = onchainTable(
  "consent",
  (t) => ({
    patient: t.hex().notNull(),
    grantee: t.hex().notNull(),
    categories: t.bigint().notNull(),
    actions: t.integer().notNull(),
    purposes: t.integer().notNull(),
    expiresAt: t.integer().notNull(),
    grantedAt: t.integer().notNull(),
    grantedInBlock: t.bigint().notNull(),
    /** The chain_event id of the pair's first grant: lists keep the order in which pairs first appeared. */
    firstGrantId: t.text().notNull(),
    epoch: t.integer().notNull(),
    revoked: t.boolean().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.patient, table.grantee] }),
    // A grantee's list in first-grant order straight from the index, without a sort.
    byGrantee: index().on(table.grantee, table.firstGrantId),
  }),
);

/** Delegates named by a patient, tied to the epoch they were named in (revoke-all ends them). */
export const delegate = onchainTable(
  "delegate",
  (t) => ({
    patient: t.hex().notNull(),
    delegate: t.hex().notNull(),
    allowed: t.boolean().notNull(),
    epoch: t.integer().notNull(),
    setAt: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.patient, table.delegate] }),
    byDelegate: index().on(table.delegate),
  }),
);

/** Every break-glass access. */
export const emergencyAccess = onchainTable(
  "emergency_access",
  (t) => ({
    id: t.text().primaryKey(),
    patient: t.hex().notNull(),
    grantee: t.hex().notNull(),
    reasonHash: t.hex().notNull(),
    openedAt: t.integer().notNull(),
    expiresAt: t.integer().notNull(),
    /** The patient's emergency epoch when it opened: a later "off" ends it early. */
    emergencyEpoch: t.integer().notNull(),
  }),
  (table) => ({ byPatient: index().on(table.patient), byGrantee: index().on(table.grantee) }),
);

/** Record pointers, with the URI that lives only in the RecordAdded event. */
export const record = onchainTable(
  "record",
  (t) => ({
    patient: t.hex().notNull(),
    recordId: t.bigint().notNull(),
    contentHash: t.hex().notNull(),
    category: t.integer().notNull(),
    author: t.hex().notNull(),
    createdAt: t.integer().notNull(),
    supersededBy: t.bigint().notNull(),
    uri: t.text().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.patient, table.recordId] }), byAuthor: index().on(table.author) }),
);

/** Each account's published X25519 public key. */
export const encryptionKey = onchainTable("encryption_key", (t) => ({
  account: t.hex().primaryKey(),
  publicKey: t.hex().notNull(),
  setAt: t.integer().notNull(),
}));

/** The disclosure log's anchored batches. */
export const disclosureAnchor = onchainTable(
  "disclosure_anchor",
  (t) => ({
    root: t.hex().primaryKey(),
    fromSeq: t.bigint().notNull(),
    toSeq: t.bigint().notNull(),
    gateway: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    anchoredAt: t.integer().notNull(),
  }),
  (table) => ({ byFromSeq: index().on(table.fromSeq) }),
);
