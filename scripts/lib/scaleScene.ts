// The scale benchmark's chain (scripts/bench-scale.ts): providers registered by the admin, thousands of impersonated
// patients granting, revoking and adding records, a few hundred transactions per block with automine off, and the
// chain's bulk history mined empty with hardhat_mine in chunks between the activity, so the history spans them.
import { performance } from "node:perf_hooks";
import { encodeFunctionData, getAddress, keccak256, toHex, type Address, type Hex } from "viem";
import { APPEND, READ, RESEARCH, ROUTINE_CATEGORIES, TREATMENT } from "@/lib/consentCodes";
import { abis } from "@/lib/contracts/deployedContracts";
import type { MedConsentAddresses } from "@/lib/consentClient";
import { contentHash, contentUri } from "@/harness/contentUri";
import { hardhatAccount, rpc, rpcBatch } from "@/harness/localNode";
import { seededRandom } from "./benchChain";

const DAY = 24 * 3600;
const ROUTINE_CATEGORY_BITS = 13;
/** Transactions per evm_mine (the block gas limit is raised so they all fit). */
const TRANSACTIONS_PER_BLOCK = 400;
const BLOCK_GAS_LIMIT = 1_000_000_000;
/** Calls per JSON-RPC batch for the account set-up. */
const SETUP_BATCH = 1_000;

export interface ScaleSize {
  patients: number;
  providers: number;
  /** Empty blocks mined with hardhat_mine, in `phases` chunks. */
  blocks: number;
  grantsPerPatient: number;
  /** Patients that grant the busy provider (its consent:list size). */
  busyProviderConsents: number;
  /** Share of the other patients' grants revoked one by one. */
  revokedShare: number;
  /** Records added, one per patient from the first on. */
  records: number;
  phases: number;
}

/** The issue's sizes: 2,000,000 blocks, 10,000 patients × 10 grants to 200 providers, a provider with 1,000. */
export const ISSUE_SIZE: ScaleSize = {
  patients: 10_000,
  providers: 200,
  blocks: 2_000_000,
  grantsPerPatient: 10,
  busyProviderConsents: 1_000,
  revokedShare: 0.03,
  records: 10_000,
  phases: 8,
};

export interface ScaleScene {
  providers: Address[];
  /** The provider 1,000 patients granted. */
  busyProvider: Address;
  patients: Address[];
  /** Hardhat account `dashboardPatientIndex`: its key is known (test wallet, SIWE). */
  dashboardPatient: Address;
  dashboardPatientIndex: number;
  counts: { transactions: number; events: number; grants: number; revocations: number; records: number };
  latestBlock: bigint;
  seconds: number;
}

interface Transaction {
  from: Address;
  to: Address;
  data: Hex;
  gas: number;
}

const sceneAddress = (label: string): Address =>
  getAddress(keccak256(toHex(`medconsent scale bench: ${label}`)).slice(0, 42));

/**
 * Sends the transactions with automine off, TRANSACTIONS_PER_BLOCK per evm_mine, and checks every receipt; returns
 * how many events they emitted.
 */
async function mineTransactions(url: string, transactions: Transaction[]): Promise<number> {
  let events = 0;
  for (let start = 0; start < transactions.length; start += TRANSACTIONS_PER_BLOCK) {
    const hashes = await rpcBatch<Hex>(
      url,
      transactions
        .slice(start, start + TRANSACTIONS_PER_BLOCK)
        .map((tx) => ({ method: "eth_sendTransaction", params: [{ ...tx, gas: toHex(tx.gas) }] })),
    );
    for (let attempt = 0; ; attempt++) {
      await rpc(url, "evm_mine");
      const receipts = await rpcBatch<{ status: Hex; logs: unknown[] } | null>(
        url,
        hashes.map((hash) => ({ method: "eth_getTransactionReceipt", params: [hash] })),
      );
      if (receipts.some((r) => r === null)) {
        if (attempt < 10) continue;
        throw new Error(`transactions ${start}… not mined after ${attempt + 1} blocks`);
      }
      const failed = receipts.findIndex((r) => r!.status !== "0x1");
      if (failed >= 0) throw new Error(`transaction ${start + failed} reverted`);
      events += receipts.reduce((sum, r) => sum + r!.logs.length, 0);
      break;
    }
  }
  return events;
}

async function chainNow(url: string): Promise<number> {
  const block = await rpc<{ timestamp: Hex }>(url, "eth_getBlockByNumber", ["latest", false]);
  return Number(block.timestamp);
}

/**
 * Builds the scene on a node where the contracts are deployed at `addresses`. Leaves automine off; the caller turns it
 * back on if it wants it.
 */
export async function buildScaleScene(
  url: string,
  addresses: MedConsentAddresses,
  size: ScaleSize,
  log: (line: string) => void = () => undefined,
): Promise<ScaleScene> {
  const started = performance.now();
  const random = seededRandom(0x7363616c);
  const admin = hardhatAccount(0).address; // the deployer: admin and registrar, unlocked on the node
  const dashboardPatientIndex = 10;
  const dashboardPatient = hardhatAccount(dashboardPatientIndex).address;
  const providers = Array.from({ length: size.providers }, (_, i) => sceneAddress(`provider ${i}`));
  const [busyProvider, ...otherProviders] = providers;
  const patients = Array.from({ length: size.patients }, (_, i) => sceneAddress(`patient ${i}`));
  const counts = { transactions: 0, events: 0, grants: 0, revocations: 0, records: 0 };

  await rpc(url, "hardhat_setLoggingEnabled", [false]);
  await rpc(url, "evm_setBlockGasLimit", [toHex(BLOCK_GAS_LIMIT)]);
  await rpc(url, "evm_setAutomine", [false]);
  for (let i = 0; i < patients.length; i += SETUP_BATCH) {
    const slice = patients.slice(i, i + SETUP_BATCH);
    await rpcBatch(url, [
      ...slice.map((p) => ({ method: "hardhat_impersonateAccount", params: [p] })),
      ...slice.map((p) => ({ method: "hardhat_setBalance", params: [p, toHex(10n ** 20n)] })),
    ]);
  }

  const send = async (transactions: Transaction[]) => {
    counts.transactions += transactions.length;
    counts.events += await mineTransactions(url, transactions);
  };
  await send(
    providers.map((provider, i) => ({
      from: admin,
      to: addresses.providerRegistry,
      gas: 300_000,
      data: encodeFunctionData({
        abi: abis.ProviderRegistry,
        functionName: "registerProvider",
        args: [provider, i % 5, `Scale Clinic ${String(i + 1).padStart(3, "0")}`, keccak256(toHex(`credential ${i}`))],
      }),
    })),
  );

  const consentCall = (from: Address, data: Hex, gas = 200_000): Transaction => ({
    from,
    to: addresses.consentRegistry,
    gas,
    data,
  });
  const grant = (from: Address, grantee: Address, now: number) => {
    counts.grants++;
    return consentCall(
      from,
      encodeFunctionData({
        abi: abis.ConsentRegistry,
        functionName: "grantConsent",
        args: [
          grantee,
          BigInt(1 + Math.floor(random() * Number(ROUTINE_CATEGORIES))),
          random() < 0.3 ? READ | APPEND : READ,
          random() < 0.2 ? TREATMENT | RESEARCH : TREATMENT,
          // Past the whole bulk history (2,000,000 blocks at 1 s each is about 23 days) and well clear of "expiring".
          now + 365 * DAY + Math.floor(random() * 365) * DAY,
        ],
      }),
    );
  };
  const revoke = (from: Address, grantee: Address) => {
    counts.revocations++;
    return consentCall(
      from,
      encodeFunctionData({ abi: abis.ConsentRegistry, functionName: "revokeConsent", args: [grantee] }),
    );
  };
  const addRecord = (from: Address, i: number): Transaction => {
    counts.records++;
    const ciphertext = new TextEncoder().encode(`scale bench ciphertext ${from} ${i}`);
    return {
      from,
      to: addresses.recordRegistry,
      gas: 300_000,
      data: encodeFunctionData({
        abi: abis.RecordRegistry,
        functionName: "addRecord",
        args: [from, contentHash(ciphertext), i % ROUTINE_CATEGORY_BITS, contentUri(ciphertext)],
      }),
    };
  };

  // Each patient's grantees: the busy provider for the first `busyProviderConsents`, then distinct others (a stride
  // coprime with their number walks them without repeats).
  const granteesOf = (p: number): Address[] => {
    const others = otherProviders.length;
    const stride = [19, 17, 13, 11, 7, 3, 1].find((s) => others % s !== 0) ?? 1;
    const first = Math.floor(random() * others);
    const wanted = Math.min(size.grantsPerPatient, others + 1);
    const list = p < size.busyProviderConsents ? [busyProvider] : [];
    for (let k = 0; list.length < wanted; k++) list.push(otherProviders[(first + k * stride) % others]);
    return list;
  };

  // The dashboard patient's life, spread over the phases: 20 consents, 3 revoked, 4 records, a delegate.
  const dashboardGrantees = otherProviders.slice(0, Math.min(20, otherProviders.length));
  const delegate = sceneAddress("dashboard delegate");

  const phaseBlocks = Math.floor(size.blocks / size.phases);
  for (let phase = 0; phase < size.phases; phase++) {
    const blocks = phase === size.phases - 1 ? size.blocks - phaseBlocks * phase : phaseBlocks;
    if (blocks > 0) await rpc(url, "hardhat_mine", [toHex(blocks)]);
    const now = await chainNow(url);
    const from = Math.floor((patients.length * phase) / size.phases);
    const to = Math.floor((patients.length * (phase + 1)) / size.phases);
    const grants: Transaction[] = [];
    const later: Transaction[] = [];
    for (let p = from; p < to; p++) {
      for (const grantee of granteesOf(p)) {
        grants.push(grant(patients[p], grantee, now));
        if (grantee !== busyProvider && random() < size.revokedShare) later.push(revoke(patients[p], grantee));
      }
      if (p < size.records) later.push(addRecord(patients[p], p));
    }
    const mine = dashboardGrantees.filter((_, i) => i % size.phases === phase);
    grants.push(...mine.map((grantee) => grant(dashboardPatient, grantee, now)));
    if (phase === Math.floor(size.phases / 2)) {
      later.push(
        ...dashboardGrantees.slice(0, 3).map((grantee) => revoke(dashboardPatient, grantee)),
        consentCall(
          dashboardPatient,
          encodeFunctionData({ abi: abis.ConsentRegistry, functionName: "setDelegate", args: [delegate, true] }),
        ),
      );
    }
    if (phase % 2 === 1) later.push(addRecord(dashboardPatient, phase));
    await send(grants);
    await send(later);
    log(
      `  phase ${phase + 1}/${size.phases}: ${blocks.toLocaleString("en")} empty blocks, ` +
        `${(grants.length + later.length).toLocaleString("en")} transactions ` +
        `(${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  const latestBlock = BigInt(await rpc<Hex>(url, "eth_blockNumber"));
  return {
    providers,
    busyProvider,
    patients,
    dashboardPatient,
    dashboardPatientIndex,
    counts,
    latestBlock,
    seconds: (performance.now() - started) / 1000,
  };
}
