// Client benchmark (`npm run bench:client`): the client library against its own `hardhat node` holding 10,000 consent
// grants, over HTTP JSON-RPC. Prints listConsents time for a patient with ~100 consents and a provider with ~200, and
// hasAccess throughput and latency, beside their goals. Deploys with the testnet command (`deploy --network custom`).
import { APPEND, READ, RESEARCH, ROUTINE_CATEGORIES, TREATMENT } from "@/lib/consentCodes";
import { median, seededRandom, sendTransactions } from "./lib/benchChain";
import { performance } from "node:perf_hooks";
import { encodeFunctionData, getAddress, keccak256, toHex, type Address } from "viem";
import { createConsentClient, type ConsentEntry } from "@/lib/consentClient";
import { abis } from "@/lib/contracts/deployedContracts";
import {
  LOCAL_CHAIN_ID,
  customNetworkEnv,
  hardhatAccount,
  preserveLocalDeployment,
  rpc,
  rpcBatch,
  runHardhat,
  startLocalNode,
  type LocalNode,
} from "@/harness/localNode";

const DAY = 24 * 3600;
const PROVIDERS = 120;
const GRANTS = 10_000;
const CHOSEN_PATIENT_CONSENTS = 100;
const CHOSEN_PROVIDER_CONSENTS = 200;
const GRANTS_PER_OTHER_PATIENT = 5;
const REVOCATIONS_EACH = 10; // by the chosen patient, and of the chosen provider
const HAS_ACCESS_CALLS = 2_000;
const CONCURRENCY = 16;
const LIST_RUNS = 5;
const GOAL_LIST_MS = 1_000;
const GOAL_HAS_ACCESS_P50_MS = 2;

const random = seededRandom(0x4d6564);
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];

const benchAddress = (label: string): Address =>
  getAddress(keccak256(toHex(`medconsent bench: ${label}`)).slice(0, 42));

interface Grant {
  patient: Address;
  grantee: Address;
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

async function buildChain(node: LocalNode) {
  const { url } = node;
  const env = customNetworkEnv(url);
  const deploy = await runHardhat(["deploy", "--network", "custom"], { env });
  if (deploy.code !== 0) throw new Error(`deploy failed:\n${deploy.output}`);
  const client = createConsentClient({ chainId: LOCAL_CHAIN_ID, rpcUrl: url });
  const { providerRegistry, consentRegistry } = client.addresses;
  const admin = hardhatAccount(0).address; // deployer: admin and registrar, unlocked on the node

  const providers = Array.from({ length: PROVIDERS }, (_, i) => benchAddress(`provider ${i}`));
  await sendTransactions(
    url,
    providers.map((provider, i) => ({
      from: admin,
      to: providerRegistry,
      gas: 500_000,
      data: encodeFunctionData({
        abi: abis.ProviderRegistry,
        functionName: "registerProvider",
        args: [provider, i % 5, `Bench provider ${i}`, keccak256(toHex(`credential ${i}`))],
      }),
    })),
  );

  // The chosen patient grants to 100 providers; the chosen provider gets one grant from each of 200 patients; every
  // other grant goes to a random other provider. Expiries: 85% in a year, 10% soon (expiring), 5% expired.
  const now = Number((await client.publicClient.getBlock()).timestamp);
  const [chosenProvider, ...otherProviders] = providers;
  const chosenPatient = benchAddress("patient 0");
  const terms = () => {
    const roll = random();
    return {
      categories: BigInt(1 + Math.floor(random() * Number(ROUTINE_CATEGORIES))),
      actions: random() < 0.3 ? READ | APPEND : READ,
      purposes: random() < 0.2 ? TREATMENT | RESEARCH : TREATMENT,
      expiresAt: now + (roll < 0.05 ? 2 * DAY : roll < 0.15 ? 8 * DAY : 365 * DAY),
    };
  };
  const grants: Grant[] = otherProviders
    .slice(0, CHOSEN_PATIENT_CONSENTS)
    .map((grantee) => ({ patient: chosenPatient, grantee, ...terms() }));
  const otherPatients = Math.ceil((GRANTS - grants.length) / GRANTS_PER_OTHER_PATIENT);
  const patients = [chosenPatient];
  for (let p = 1; p <= otherPatients; p++) {
    const patient = benchAddress(`patient ${p}`);
    patients.push(patient);
    const grantees = new Set<Address>(p <= CHOSEN_PROVIDER_CONSENTS ? [chosenProvider] : []);
    while (grantees.size < GRANTS_PER_OTHER_PATIENT && grants.length + grantees.size < GRANTS) {
      grantees.add(pick(otherProviders));
    }
    for (const grantee of grantees) grants.push({ patient, grantee, ...terms() });
  }

  await rpcBatch(
    url,
    patients.map((p) => ({ method: "hardhat_setBalance", params: [p, toHex(10n ** 20n)] })),
  );
  await rpcBatch(
    url,
    patients.map((p) => ({ method: "hardhat_impersonateAccount", params: [p] })),
  );
  const started = performance.now();
  await sendTransactions(
    url,
    grants.map((g) => ({
      from: g.patient,
      to: consentRegistry,
      gas: 300_000,
      data: encodeFunctionData({
        abi: abis.ConsentRegistry,
        functionName: "grantConsent",
        args: [g.grantee, g.categories, g.actions, g.purposes, g.expiresAt],
      }),
    })),
  );
  const sendSeconds = (performance.now() - started) / 1000;
  const revoke = (patient: Address, grantee: Address) => ({
    from: patient,
    to: consentRegistry,
    gas: 200_000,
    data: encodeFunctionData({ abi: abis.ConsentRegistry, functionName: "revokeConsent", args: [grantee] }),
  });
  await sendTransactions(url, [
    ...otherProviders.slice(0, REVOCATIONS_EACH).map((grantee) => revoke(chosenPatient, grantee)),
    ...patients.slice(1, 1 + REVOCATIONS_EACH).map((patient) => revoke(patient, chosenProvider)),
  ]);
  // Three days later: the 2-day consents have expired and the 8-day ones are expiring.
  await rpc(url, "evm_increaseTime", [3 * DAY]);
  await rpc(url, "evm_mine");

  const grantedTopic = keccak256(toHex("ConsentGranted(address,address,uint64,uint8,uint8,uint40,address)"));
  const logs = await rpc<unknown[]>(url, "eth_getLogs", [
    { address: consentRegistry, topics: [grantedTopic], fromBlock: "0x0", toBlock: "latest" },
  ]);
  const blocks = Number(await rpc<string>(url, "eth_blockNumber"));
  return {
    client,
    grants,
    chosenPatient,
    chosenProvider,
    patients,
    providers,
    events: logs.length,
    blocks,
    sendSeconds,
  };
}

async function timeList(run: () => Promise<ConsentEntry[]>) {
  const times: number[] = [];
  let entries: ConsentEntry[] = [];
  for (let i = 0; i < LIST_RUNS; i++) {
    const started = performance.now();
    entries = await run();
    times.push(performance.now() - started);
  }
  const states = entries.reduce<Record<string, number>>(
    (acc, e) => ({ ...acc, [e.state]: (acc[e.state] ?? 0) + 1 }),
    {},
  );
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), count: entries.length, states };
}

async function timeHasAccess(
  client: ReturnType<typeof createConsentClient>,
  queries: Parameters<ReturnType<typeof createConsentClient>["hasAccess"]>[0][],
  concurrency: number,
) {
  const latencies: number[] = [];
  let allowed = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queries.length) {
        const query = queries[next++];
        const callStarted = performance.now();
        if (await client.hasAccess(query)) allowed++;
        latencies.push(performance.now() - callStarted);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: queries.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    allowed,
  };
}

async function main() {
  const preserved = preserveLocalDeployment();
  const node = await startLocalNode();
  const stop = async () => {
    await node.stop();
    preserved.restore();
  };
  const onSignal = () => void stop().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // The node prints every request it serves; that costs it more than the requests themselves.
    await rpc(node.url, "hardhat_setLoggingEnabled", [false]);
    const buildStarted = performance.now();
    const chain = await buildChain(node);
    const { client, grants, chosenPatient, chosenProvider } = chain;
    const perPatient = grants.filter((g) => g.patient === chosenPatient).length;
    const perProvider = grants.filter((g) => g.grantee === chosenProvider).length;
    console.log(
      `Local hardhat node (pid ${node.pid}, port ${node.port}), ${chain.blocks.toLocaleString("en-US")} blocks, ` +
        `${chain.events.toLocaleString("en-US")} ConsentGranted events from ${chain.patients.length} patients to ` +
        `${chain.providers.length} providers (${(grants.length / chain.sendSeconds).toFixed(0)} grants/s sent); ` +
        `chain built in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s.`,
    );
    console.log(
      `Chosen patient ${chosenPatient}: ${perPatient} grants; chosen provider ${chosenProvider}: ${perProvider} grants.\n`,
    );

    const patientList = await timeList(() => client.listConsents({ patient: chosenPatient }));
    const providerList = await timeList(() => client.listConsents({ grantee: chosenProvider }));

    // Half the queries ask for a category the consent covers, half for any routine category.
    const queries = Array.from({ length: HAS_ACCESS_CALLS }, () => {
      const grant = pick(grants);
      const granted = [...Array(13).keys()].filter((bit) => (grant.categories >> BigInt(bit)) & 1n);
      const bit = random() < 0.5 && granted.length > 0 ? pick(granted) : Math.floor(random() * 13);
      return {
        patient: grant.patient,
        grantee: grant.grantee,
        categories: 1n << BigInt(bit),
        action: READ,
        purpose: TREATMENT,
      };
    });
    await timeHasAccess(client, queries.slice(0, 100), 1); // warm-up: connections, JIT
    const sequential = await timeHasAccess(client, queries, 1);
    const concurrent = await timeHasAccess(client, queries, CONCURRENCY);

    const stateList = (s: Record<string, number>) =>
      Object.entries(s)
        .map(([state, n]) => `${n} ${state}`)
        .join(", ");
    const rows = [
      [
        `listConsents(patient), median of ${LIST_RUNS}`,
        `${ms(patientList.median)} (min ${ms(patientList.min)}, max ${ms(patientList.max)}), ${patientList.count} consents: ${stateList(patientList.states)}`,
        `< ${GOAL_LIST_MS} ms`,
        verdict(patientList.median < GOAL_LIST_MS),
      ],
      [
        `listConsents(grantee), median of ${LIST_RUNS}`,
        `${ms(providerList.median)} (min ${ms(providerList.min)}, max ${ms(providerList.max)}), ${providerList.count} consents: ${stateList(providerList.states)}`,
        `< ${GOAL_LIST_MS} ms`,
        verdict(providerList.median < GOAL_LIST_MS),
      ],
      [
        `hasAccess sequential, ${HAS_ACCESS_CALLS} calls`,
        `${sequential.rate.toFixed(0)} calls/s, p50 ${ms(sequential.p50)}, p99 ${ms(sequential.p99)} (${sequential.allowed} allowed)`,
        `p50 < ${GOAL_HAS_ACCESS_P50_MS} ms`,
        verdict(sequential.p50 < GOAL_HAS_ACCESS_P50_MS),
      ],
      [
        `hasAccess concurrency ${CONCURRENCY}, ${HAS_ACCESS_CALLS} calls`,
        `${concurrent.rate.toFixed(0)} calls/s, p50 ${ms(concurrent.p50)}, p99 ${ms(concurrent.p99)} (${concurrent.allowed} allowed)`,
        "throughput",
        "",
      ],
    ];
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
    for (const row of rows)
      console.log(
        `${row
          .slice(0, 3)
          .map((cell, c) => cell.padEnd(widths[c]))
          .join("  ")}  ${row[3]}`,
      );
    console.log(
      `\nClient over HTTP JSON-RPC (viem http transport, no batching) to the node on 127.0.0.1; Node ${process.version}.` +
        `\nThe node answers one request at a time, so latency under ${CONCURRENCY} concurrent calls is mostly queueing` +
        ` (about ${CONCURRENCY} / rate); the latency goal applies to the sequential calls.`,
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
