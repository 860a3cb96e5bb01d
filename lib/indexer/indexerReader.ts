// Reads the MedConsent indexer (indexer/, Ponder) over its GraphQL API: histories and lists in a few HTTP requests,
// whatever the chain's age, each answer with the block it is current to. Lists only: no access decision ever reads
// the indexer (the gateway, the relay and consent:check ask the chain's hasAccess).
import { getAddress, type Abi, type AbiEvent, type Address, type Hex } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";

/** The block the indexer has processed up to: every answer is as of this block. */
export interface IndexedBlock {
  blockNumber: bigint;
  timestamp: number;
}

export interface Indexed<T> {
  data: T;
  currentTo: IndexedBlock;
}

export interface IndexedEvent {
  contract: string;
  eventName: string;
  args: Record<string, unknown>;
  blockNumber: bigint;
  logIndex: number;
  transactionHash: Hex;
  timestamp: number;
}

export interface IndexedConsent {
  patient: Address;
  grantee: Address;
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
  grantedAt: number;
  /** Revoked explicitly, or granted before the patient's last revoke-all. */
  revoked: boolean;
}

export interface IndexedRecord {
  id: bigint;
  contentHash: Hex;
  category: number;
  author: Address;
  createdAt: number;
  supersededBy: bigint;
  uri: string;
}

export interface IndexedProvider {
  address: Address;
  kind: number;
  name: string;
  credentialHash: Hex;
  active: boolean;
  emergencyCapable: boolean;
  registeredAt: number;
}

export interface IndexedDelegation {
  patient: Address;
  delegate: Address;
  /** Whether the delegate may grant and revoke for the patient now. */
  active: boolean;
}

export class IndexerError extends Error {}

/** One page of a GraphQL list, at most this many rows (Ponder's limit). */
const PAGE = 1000;

const EVENT_INPUTS = new Map(
  Object.values(abis)
    .flatMap((abi) => (abi as Abi).filter((item): item is AbiEvent => item.type === "event"))
    .map((event) => [event.name, event.inputs] as const),
);

/** The indexer keeps arguments as JSON (bigints as strings): back to viem's types, by the event's ABI. */
export function eventArgsFromJson(eventName: string, json: Record<string, unknown>): Record<string, unknown> {
  const inputs = EVENT_INPUTS.get(eventName);
  if (inputs === undefined) throw new IndexerError(`The indexer returned an unknown event "${eventName}".`);
  const args: Record<string, unknown> = {};
  for (const input of inputs) {
    const value = json[input.name ?? ""];
    const uint = /^u?int(\d+)$/.exec(input.type);
    if (uint !== null) args[input.name!] = Number(uint[1]) <= 48 ? Number(value) : BigInt(value as string);
    else if (input.type === "address") args[input.name!] = getAddress(value as string);
    else args[input.name!] = value;
  }
  return args;
}

const toBlock = (status: unknown): IndexedBlock => {
  const chains = Object.values((status ?? {}) as Record<string, { block?: { number: number; timestamp: number } }>);
  const block = chains[0]?.block;
  if (block === undefined) throw new IndexerError("The indexer has not indexed any block yet.");
  return { blockNumber: BigInt(block.number), timestamp: block.timestamp };
};

const lower = (address: Address) => address.toLowerCase();

export function createIndexerReader(url: string, fetchImpl: typeof fetch = fetch) {
  const endpoint = `${url.replace(/\/+$/, "")}/graphql`;

  async function query<T>(text: string, variables: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      response = await fetchImpl(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ query: text, variables }),
      });
    } catch (error) {
      throw new IndexerError(`The indexer at ${url} did not answer (${(error as Error).message}).`);
    }
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
    if (!response.ok || body.errors !== undefined || body.data === undefined) {
      const reason = body.errors?.map((e) => e.message).join("; ") ?? `HTTP ${response.status}`;
      throw new IndexerError(`The indexer at ${url} refused the query: ${reason}.`);
    }
    return body.data;
  }

  /** Every row of one table matching `where`, in `orderBy` order, page by page; with the block of the first page. */
  async function all<Row>(table: string, fields: string, where: Record<string, unknown>, orderBy: string) {
    const text = `query ($where: ${table}Filter, $after: String) {
      _meta { status }
      ${table}s(where: $where, orderBy: "${orderBy}", orderDirection: "asc", limit: ${PAGE}, after: $after) {
        items { ${fields} }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    const rows: Row[] = [];
    let after: string | null = null;
    let currentTo: IndexedBlock | undefined;
    do {
      type Page = {
        _meta: { status: unknown };
        [list: string]: { items: Row[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | unknown;
      };
      const page: Page = await query<Page>(text, { where, after });
      currentTo ??= toBlock(page._meta.status);
      const list = page[`${table}s`] as { items: Row[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      rows.push(...list.items);
      after = list.pageInfo.hasNextPage ? list.pageInfo.endCursor : null;
    } while (after !== null);
    return { rows, currentTo: currentTo! };
  }

  /**
   * Every event named `eventName`, oldest first, optionally of one patient and/or one other party (the grantee,
   * delegate, author, provider … the event names: indexer/src/rows.ts).
   */
  async function eventsNamed(
    eventName: string,
    filter: { patient?: Address; party?: Address } = {},
  ): Promise<Indexed<IndexedEvent[]>> {
    type Row = { contract: string; name: string; args: Record<string, unknown> } & RowPosition;
    const where: Record<string, unknown> = { name: eventName };
    if (filter.patient !== undefined) where.patient = lower(filter.patient);
    if (filter.party !== undefined) where.party = lower(filter.party);
    const { rows, currentTo } = await all<Row>(
      "chainEvent",
      "contract name args blockNumber logIndex transactionHash timestamp",
      where,
      "id",
    );
    return {
      currentTo,
      data: rows.map((row) => ({
        contract: row.contract,
        eventName: row.name,
        args: eventArgsFromJson(row.name, row.args),
        ...positionOf(row),
      })),
    };
  }

  return {
    url,

    /** The block the indexer is current to. */
    async status(): Promise<IndexedBlock> {
      return toBlock((await query<{ _meta: { status: unknown } }>("{ _meta { status } }", {}))._meta.status);
    },

    /** Every event about `patient` (consents, delegates, emergency, nonces, records), oldest first. */
    async patientEvents(patient: Address): Promise<Indexed<IndexedEvent[]>> {
      type Row = { contract: string; name: string; args: Record<string, unknown> } & RowPosition;
      const { rows, currentTo } = await all<Row>(
        "chainEvent",
        "contract name args blockNumber logIndex transactionHash timestamp",
        { patient: lower(patient) },
        "id",
      );
      return {
        currentTo,
        data: rows.map((row) => ({
          contract: row.contract,
          eventName: row.name,
          args: eventArgsFromJson(row.name, row.args),
          ...positionOf(row),
        })),
      };
    },

    /** The latest consent of each pair for a patient or a grantee, with whether it was revoked. */
    async consents(filter: { patient: Address } | { grantee: Address }): Promise<Indexed<IndexedConsent[]>> {
      type Row = {
        patient: Address;
        grantee: Address;
        categories: string;
        actions: number;
        purposes: number;
        expiresAt: number;
        grantedAt: number;
        revoked: boolean;
      };
      const where = "patient" in filter ? { patient: lower(filter.patient) } : { grantee: lower(filter.grantee) };
      const { rows, currentTo } = await all<Row>(
        "consent",
        "patient grantee categories actions purposes expiresAt grantedAt revoked",
        where,
        "firstGrantId",
      );
      return {
        currentTo,
        data: rows.map((row) => ({
          patient: getAddress(row.patient),
          grantee: getAddress(row.grantee),
          categories: BigInt(row.categories),
          actions: row.actions,
          purposes: row.purposes,
          expiresAt: row.expiresAt,
          grantedAt: row.grantedAt,
          revoked: row.revoked,
        })),
      };
    },

    /** A patient's record pointers, oldest first. */
    async records(patient: Address): Promise<Indexed<IndexedRecord[]>> {
      type Row = {
        recordId: string;
        contentHash: Hex;
        category: number;
        author: Address;
        createdAt: number;
        supersededBy: string;
        uri: string;
      };
      const { rows, currentTo } = await all<Row>(
        "record",
        "recordId contentHash category author createdAt supersededBy uri",
        { patient: lower(patient) },
        "recordId",
      );
      return {
        currentTo,
        data: rows.map((row) => ({
          id: BigInt(row.recordId),
          contentHash: row.contentHash,
          category: row.category,
          author: getAddress(row.author),
          createdAt: row.createdAt,
          supersededBy: BigInt(row.supersededBy),
          uri: row.uri,
        })),
      };
    },

    eventsNamed,

    /**
     * The patients who ever named `delegate`, in the order they first did, each with whether the delegate may act for
     * them now (allowed, and named since the patient's last revoke-all, as the contract's isDelegate).
     */
    async delegations(delegate: Address): Promise<Indexed<IndexedDelegation[]>> {
      const { data: events, currentTo } = await eventsNamed("DelegateSet", { party: delegate });
      const patients = [...new Set(events.map((event) => event.args.patient as Address))];
      const states = new Map<string, { allowed: boolean; epoch: number }>();
      const epochs = new Map<string, number>();
      for (let i = 0; i < patients.length; i += PAGE) {
        const slice = patients.slice(i, i + PAGE).map(lower);
        const [{ rows: named }, { rows: granters }] = await Promise.all([
          all<{ patient: string; allowed: boolean; epoch: number }>(
            "delegate",
            "patient allowed epoch",
            { delegate: lower(delegate), patient_in: slice },
            "patient",
          ),
          all<{ address: string; epoch: number }>("patient", "address epoch", { address_in: slice }, "address"),
        ]);
        for (const row of named) states.set(row.patient.toLowerCase(), row);
        for (const row of granters) epochs.set(row.address.toLowerCase(), row.epoch);
      }
      return {
        currentTo,
        data: patients.map((patient) => {
          const state = states.get(lower(patient));
          const active = state !== undefined && state.allowed && state.epoch === (epochs.get(lower(patient)) ?? 0);
          return { patient, delegate: getAddress(delegate), active };
        }),
      };
    },

    /** Every registered provider, in registration order. */
    async providers(): Promise<Indexed<IndexedProvider[]>> {
      type Row = Omit<IndexedProvider, "address"> & { address: string };
      const { rows, currentTo } = await all<Row>(
        "provider",
        "address kind name credentialHash active emergencyCapable registeredAt",
        {},
        "registeredAt",
      );
      return { currentTo, data: rows.map((row) => ({ ...row, address: getAddress(row.address) })) };
    },
  };
}

type RowPosition = { blockNumber: string; logIndex: number; transactionHash: Hex; timestamp: number };

const positionOf = (row: RowPosition) => ({
  blockNumber: BigInt(row.blockNumber),
  logIndex: row.logIndex,
  transactionHash: row.transactionHash,
  timestamp: row.timestamp,
});

export type IndexerReader = ReturnType<typeof createIndexerReader>;
