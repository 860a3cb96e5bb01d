// The provider registry seen from outside: who is registered (from the ProviderRegistered events), each provider's
// current record, and the checks a registrar's form needs before it sends anything. No React: the portal, scripts and
// providers' own services can use it.
//   const providers = await listProviders(client);            // every provider ever registered, with its status now
//   const active = providers.filter((p) => p.status === "active");
import { getAddress, isAddress, isHex, keccak256, stringToBytes, zeroAddress, type Address, type Hex } from "viem";
import { abis } from "./contracts/deployedContracts";
import { deploymentOf, readInBlockWindows, type ConsentClient, type Listing } from "./consentClient";
import { PROVIDER_KINDS, type ProviderKindName } from "./consentCodes";

export type ProviderStatusName = "unregistered" | "active" | "suspended";

/** The ProviderRegistry's `ProviderStatus` enum, by value. */
export const PROVIDER_STATUSES: readonly ProviderStatusName[] = ["unregistered", "active", "suspended"];

export interface ProviderInfo {
  address: Address;
  /** Public name, 1 to 64 bytes ("" when unregistered). */
  name: string;
  kind: number;
  kindName: ProviderKindName | "unknown";
  status: ProviderStatusName;
  emergencyCapable: boolean;
  /** Seconds; 0 when unregistered. */
  registeredAt: number;
  credentialHash: Hex;
}

/** What `getProvider` returns (viem's decoding of the `Provider` struct). */
export interface ProviderRecord {
  kind: number;
  status: number;
  emergencyCapable: boolean;
  registeredAt: number;
  credentialHash: Hex;
  name: string;
}

/** The longest public name the registry accepts, in UTF-8 bytes. */
export const MAX_PROVIDER_NAME_BYTES = 64;

export const providerKindName = (kind: number): ProviderKindName | "unknown" => PROVIDER_KINDS[kind] ?? "unknown";
export const providerStatusName = (status: number): ProviderStatusName => PROVIDER_STATUSES[status] ?? "unregistered";

export function toProviderInfo(address: Address, record: ProviderRecord): ProviderInfo {
  return {
    address: getAddress(address),
    name: record.name,
    kind: record.kind,
    kindName: providerKindName(record.kind),
    status: providerStatusName(record.status),
    emergencyCapable: record.emergencyCapable,
    registeredAt: Number(record.registeredAt),
    credentialHash: record.credentialHash,
  };
}

/** "organization, emergency-capable, suspended" */
export function describeProvider(provider: Pick<ProviderInfo, "kindName" | "status" | "emergencyCapable">): string {
  if (provider.status === "unregistered") return "not registered";
  return [
    provider.kindName,
    ...(provider.emergencyCapable ? ["emergency-capable"] : []),
    ...(provider.status === "suspended" ? ["suspended"] : []),
  ].join(", ");
}

/** Providers whose name or address contains `query` (case-insensitive); all of them for an empty query. */
export function filterProviders<T extends Pick<ProviderInfo, "name" | "address">>(providers: T[], query: string): T[] {
  const needle = query.trim().toLowerCase();
  if (needle === "") return providers;
  return providers.filter((p) => p.name.toLowerCase().includes(needle) || p.address.toLowerCase().includes(needle));
}

/** By name, then address, so a listing does not jump around between reads. */
export const compareProviders = (a: ProviderInfo, b: ProviderInfo) =>
  a.name.localeCompare(b.name, "en") || a.address.localeCompare(b.address);

// ---- Validation of a registrar's input (each returns the value to send, or why not, in plain words) ----

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

export const utf8ByteLength = (text: string) => stringToBytes(text).length;

/** An account address: 0x and 40 hex digits; mixed case must be a valid checksum. */
export function checkAddress(input: string, what = "address"): Checked<Address> {
  const trimmed = input.trim();
  // All upper case, like all lower case, carries no checksum (EIP-55); viem's isAddress would reject it as one.
  const text = /^0x[0-9A-F]{40}$/.test(trimmed) ? trimmed.toLowerCase() : trimmed;
  if (text === "") return { ok: false, error: `Enter the ${what}.` };
  if (!isAddress(text)) {
    return {
      ok: false,
      error: /^0x[0-9a-f]{40}$/i.test(text)
        ? `The ${what} has a typo (its upper- and lower-case letters do not match its checksum).`
        : `The ${what} must be 0x followed by 40 hexadecimal digits.`,
    };
  }
  if (text.toLowerCase() === zeroAddress) return { ok: false, error: `The ${what} cannot be the zero address.` };
  return { ok: true, value: getAddress(text) };
}

/** A public name of 1 to 64 UTF-8 bytes, without surrounding spaces. */
export function checkProviderName(input: string): Checked<string> {
  const name = input.trim();
  const bytes = utf8ByteLength(name);
  if (bytes === 0) return { ok: false, error: "Enter the provider's public name." };
  if (bytes > MAX_PROVIDER_NAME_BYTES) {
    return {
      ok: false,
      error: `The name is ${bytes} bytes; at most ${MAX_PROVIDER_NAME_BYTES} are allowed (accented letters and other non-English characters count as 2 to 4).`,
    };
  }
  return { ok: true, value: name };
}

/** A provider kind by name or number (0 clinician … 4 payer). */
export function checkProviderKind(input: string | number): Checked<number> {
  const kind = typeof input === "number" ? input : PROVIDER_KINDS.indexOf(input as ProviderKindName);
  if (!Number.isInteger(kind) || kind < 0 || kind >= PROVIDER_KINDS.length) {
    return { ok: false, error: `Choose a kind: ${PROVIDER_KINDS.join(", ")}.` };
  }
  return { ok: true, value: kind };
}

/** The hash of a credential reference (licence number, document link …), keccak256 of its UTF-8 text. */
export const credentialHashOfReference = (reference: string): Hex => keccak256(stringToBytes(reference.trim()));

/**
 * A credential given either as a 0x hash (32 bytes, non-zero) or as a reference that is hashed here, so only the hash
 * goes on chain.
 */
export function checkCredential(input: string): Checked<{ hash: Hex; hashed: boolean }> {
  const text = input.trim();
  if (text === "") return { ok: false, error: "Enter the credential reference or its 0x hash." };
  if (/^0x[0-9a-f]*$/i.test(text) && isHex(text)) {
    if (text.length !== 66) {
      return {
        ok: false,
        error: `This looks like a hash but has ${text.length - 2} hexadecimal digits; a hash has 64. Or enter the reference itself.`,
      };
    }
    if (/^0x0{64}$/.test(text)) return { ok: false, error: "The credential hash cannot be zero." };
    return { ok: true, value: { hash: text.toLowerCase() as Hex, hashed: false } };
  }
  return { ok: true, value: { hash: credentialHashOfReference(text), hashed: true } };
}

// ---- Reads ----

export interface ListOptions {
  /** First block to read events from (default: the deployment block in the bindings for the client's chain, else 0). */
  fromBlock?: bigint;
  /** Largest block span of one eth_getLogs request (default 10,000). */
  logRange?: bigint;
}

/** A consent client, or the part of one these reads use; with `indexer`, lists come from it instead of a log scan. */
export type Reader = Pick<ConsentClient, "publicClient" | "addresses"> & Partial<Pick<ConsentClient, "indexer">>;

/** Runs `read` over [fromBlock, latest] in windows of at most `logRange` blocks and concatenates the results. */
export async function inBlockWindows<T>(
  client: Reader,
  options: ListOptions,
  read: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>,
): Promise<T[]> {
  return (await scanInBlockWindows(client, options, read)).items;
}

/** Like inBlockWindows, with the latest block the scan read up to (the block its answer is current to). */
export async function scanInBlockWindows<T>(
  client: Reader,
  options: ListOptions,
  read: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>,
): Promise<{ items: T[]; latest: bigint }> {
  const fromBlock = options.fromBlock ?? deploymentOf(await client.publicClient.getChainId())?.fromBlock ?? 0n;
  const latest = await client.publicClient.getBlockNumber({ cacheTime: 0 });
  return { items: await readInBlockWindows(fromBlock, latest, options.logRange ?? 10_000n, read), latest };
}

/** One provider's current record ("unregistered" when it never was). */
export async function getProviderInfo(client: Reader, provider: Address): Promise<ProviderInfo> {
  const record = await client.publicClient.readContract({
    address: client.addresses.providerRegistry,
    abi: abis.ProviderRegistry,
    functionName: "getProvider",
    args: [provider],
  });
  return toProviderInfo(provider, record);
}

/**
 * Every provider ever registered, with its current name, kind, status and emergency capability, sorted by name:
 * from the indexer when the client has one, else from the ProviderRegistered events and the registry's records.
 * Suspended providers are included: filter on `status`.
 */
export async function listProviders(client: Reader, options: ListOptions = {}): Promise<Listing<ProviderInfo>> {
  if (client.indexer !== undefined) {
    const { data, currentTo } = await client.indexer.providers();
    const providers = data.map((row) =>
      toProviderInfo(row.address, {
        kind: row.kind,
        status: PROVIDER_STATUSES.indexOf(row.active ? "active" : "suspended"),
        emergencyCapable: row.emergencyCapable,
        registeredAt: row.registeredAt,
        credentialHash: row.credentialHash,
        name: row.name,
      }),
    );
    return Object.assign(providers.sort(compareProviders), { currentTo });
  }
  const { items: logs, latest } = await scanInBlockWindows(client, options, (fromBlock, toBlock) =>
    client.publicClient.getContractEvents({
      address: client.addresses.providerRegistry,
      abi: abis.ProviderRegistry,
      eventName: "ProviderRegistered",
      fromBlock,
      toBlock,
    }),
  );
  const addresses = [...new Set(logs.map((log) => getAddress(log.args.provider!)))];
  const providers = await Promise.all(
    addresses.map(async (address) =>
      toProviderInfo(
        address,
        await client.publicClient.readContract({
          address: client.addresses.providerRegistry,
          abi: abis.ProviderRegistry,
          functionName: "getProvider",
          args: [address],
          blockNumber: latest,
        }),
      ),
    ),
  );
  return Object.assign(providers.sort(compareProviders), { currentTo: { blockNumber: latest } });
}

/** Whether `account` holds the registry's REGISTRAR_ROLE (may register, suspend and reinstate providers). */
export async function isRegistrar(client: Reader, account: Address): Promise<boolean> {
  const registry = { address: client.addresses.providerRegistry, abi: abis.ProviderRegistry } as const;
  const role = await client.publicClient.readContract({ ...registry, functionName: "REGISTRAR_ROLE" });
  return client.publicClient.readContract({ ...registry, functionName: "hasRole", args: [role, account] });
}
