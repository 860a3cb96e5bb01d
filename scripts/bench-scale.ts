// Scale benchmark (`npm run bench:scale`): a chain that has run for years (2,000,000 blocks, 100,000+ consent events of
// 10,000 patients and 200 providers, records), the indexer's backfill of it from block 0, and the same questions
// answered through the indexer and through the log scan, side by side with their ratio and the issue's goals:
// consent:list, the patient dashboard's data, the FHIR Consent search, freshness, and the patient dashboard in
// headless Chromium (production build). Sizes come from SCALE_* variables (defaults: issue 13's); SCALE_BROWSER=0
// leaves out the Next build, the gateway and Chromium for a quick run while developing.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { chromium, type Browser } from "playwright-core";
import { encodeFunctionData, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { READ, TREATMENT } from "@/lib/consentCodes";
import { abis } from "@/lib/contracts/deployedContracts";
import { createConsentClient, deploymentOf, type ConsentClient } from "@/lib/consentClient";
import { runWithCleanup } from "@/harness/cleanup";
import { GatewayClient } from "@/harness/gatewayHttpClient";
import { startIndexer, type IndexerProcess } from "@/harness/indexer";
import {
  LOCAL_CHAIN_ID,
  PROJECT_ROOT,
  cleanEnv,
  customNetworkEnv,
  freePort,
  hardhatAccount,
  preserveLocalDeployment,
  readBindings,
  rpc,
  runHardhat,
  startLocalNode,
  type LocalNode,
} from "@/harness/localNode";
import { guardTsconfig, NEXT_BIN, runNext, waitForHttp } from "@/harness/nextServer";
import { CHROMIUM_ARGS, CHROMIUM_PATH, assertChromium } from "@/harness/portalServer";
import { printTable } from "@/harness/table";
import { installTestWallet } from "@/harness/testWallet";
import { median } from "./lib/benchChain";
import { buildScaleScene, ISSUE_SIZE, type ScaleScene, type ScaleSize } from "./lib/scaleScene";

const GOAL_CONSENT_LIST_MS = 500;
const GOAL_FHIR_P50_MS = 100;
const GOAL_FRESHNESS_P95_MS = 1_000;
const GOAL_DASHBOARD_MS = 1_000;
const GOAL_DASHBOARD_REQUESTS = 10;
const DIST_DIR = ".next-bench-scale";
const SCAN_DIST_DIR = ".next-bench-scale-scan";
const FRESHNESS_TIMEOUT_MS = 30_000;
const DAY = 24 * 3600;

/** A whole number from the environment, or the default; anything else fails with the variable's name. */
function sizeFromEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw}".`);
  return value;
}

const config = (() => {
  const size: ScaleSize = {
    patients: sizeFromEnv("SCALE_PATIENTS", ISSUE_SIZE.patients, 2),
    providers: sizeFromEnv("SCALE_PROVIDERS", ISSUE_SIZE.providers, 21),
    blocks: sizeFromEnv("SCALE_BLOCKS", ISSUE_SIZE.blocks),
    grantsPerPatient: sizeFromEnv("SCALE_GRANTS_PER_PATIENT", ISSUE_SIZE.grantsPerPatient, 1),
    busyProviderConsents: 0,
    revokedShare: ISSUE_SIZE.revokedShare,
    records: sizeFromEnv("SCALE_RECORDS", ISSUE_SIZE.records),
    phases: sizeFromEnv("SCALE_PHASES", ISSUE_SIZE.phases, 1),
  };
  size.busyProviderConsents = Math.min(
    sizeFromEnv("SCALE_BUSY_PROVIDER_CONSENTS", ISSUE_SIZE.busyProviderConsents),
    size.patients - 1,
  );
  return {
    size,
    browser: process.env.SCALE_BROWSER !== "0",
    listRuns: sizeFromEnv("SCALE_RUNS", 5, 1),
    scanRuns: sizeFromEnv("SCALE_SCAN_RUNS", 3, 1),
    fhirRequests: sizeFromEnv("SCALE_FHIR_REQUESTS", 20, 1),
    scanFhirRequests: sizeFromEnv("SCALE_SCAN_FHIR_REQUESTS", 5, 1),
    freshnessGrants: sizeFromEnv("SCALE_FRESHNESS_GRANTS", 20, 1),
    browserRuns: sizeFromEnv("SCALE_BROWSER_RUNS", 3, 1),
    scanBrowserRuns: sizeFromEnv("SCALE_SCAN_BROWSER_RUNS", 1, 1),
    /** Development: serve an existing build in DIST_DIR (its NEXT_PUBLIC_* URLs must match the two ports below). */
    dashboardTimeoutMs: sizeFromEnv("SCALE_DASHBOARD_TIMEOUT_MS", 600_000, 1),
    reuseBuild: process.env.SCALE_REUSE_BUILD === "1",
    nodePort: sizeFromEnv("SCALE_NODE_PORT", 0),
    indexerPort: sizeFromEnv("SCALE_INDEXER_PORT", 0),
  };
})();

// ---- measuring -------------------------------------------------------------------------------------------------------

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
};
const ms = (value: number) =>
  value >= 1_000 ? `${(value / 1000).toFixed(value >= 10_000 ? 1 : 2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const count = (value: number) => value.toLocaleString("en");
const ratio = (indexer: number | undefined, scan: number | undefined) =>
  indexer === undefined || scan === undefined || indexer <= 0
    ? ""
    : `×${(scan / indexer).toFixed(scan / indexer < 10 ? 1 : 0)}`;
const verdict = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? "PASS" : "MISS");

async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await action();
  return { ms: performance.now() - started, value };
}

/** `action` once to warm up (not counted), then `runs` times; every duration, in milliseconds. */
async function repeat(runs: number, action: () => Promise<unknown>): Promise<number[]> {
  await action();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(action)).ms);
  return times;
}

const dashboardData = (client: ConsentClient, patient: Address) =>
  Promise.all([client.listConsents({ patient }), client.getPatientEvents(patient), client.getRecords(patient)]);

/** The deployment block the bindings name for the local chain now (the deploy has just rewritten them). */
function deploymentBlock(): bigint {
  const local = readBindings().split(/\n\s*\d+: \{/)[1] ?? "";
  const match = /ProviderRegistry: \{\s*address: "0x[0-9a-fA-F]{40}",\s*deployedOnBlock: (\d+)/.exec(local);
  if (match === null) throw new Error("No ProviderRegistry deployment block for chain 31337 in the bindings.");
  return BigInt(match[1]);
}

/** Whether any file under `dir` contains `text` (does a build use a variable, or inline a URL?). */
function buildContains(dir: string, text: string): boolean {
  if (!existsSync(dir)) return false;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(js|mjs|cjs)$/.test(entry.name)) continue;
    if (readFileSync(path.join(entry.parentPath, entry.name), "utf8").includes(text)) return true;
  }
  return false;
}

// ---- the servers -----------------------------------------------------------------------------------------------------

interface NextServer {
  url: string;
  stop(): Promise<void>;
}

function nextEnv(distDir: string, rpcUrl: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = cleanEnv({
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: distDir,
    NEXT_PUBLIC_CHAIN_ID: String(LOCAL_CHAIN_ID),
    NEXT_PUBLIC_RPC_URL: rpcUrl,
    ...extra,
  });
  for (const name of ["DATABASE_URL", "BLOB_STORE", "S3_ENDPOINT", "INDEXER_URL", "NEXT_PUBLIC_INDEXER_URL"]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

async function buildPortal(distDir: string, rpcUrl: string, indexerUrl?: string): Promise<void> {
  if (config.reuseBuild && existsSync(path.join(PROJECT_ROOT, distDir, "BUILD_ID"))) return;
  const restoreTsconfig = guardTsconfig(distDir);
  try {
    await runNext(
      ["build"],
      nextEnv(distDir, rpcUrl, indexerUrl === undefined ? {} : { NEXT_PUBLIC_INDEXER_URL: indexerUrl }),
      1_800_000,
    );
  } finally {
    restoreTsconfig();
  }
}

/** `next start` on a build: the portal and the gateway, with the gateway's run-time settings. */
async function startNext(distDir: string, rpcUrl: string, dataDir: string, indexerUrl?: string): Promise<NextServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = nextEnv(distDir, rpcUrl, {
    GATEWAY_ORIGIN: url,
    GATEWAY_RPC_URL: rpcUrl,
    GATEWAY_DATA_DIR: dataDir,
    ANCHOR_INTERVAL_SECONDS: "0",
    GATEWAY_RATE_LIMIT: "1000000",
    GATEWAY_AUTH_RATE_LIMIT: "1000000",
    ...(indexerUrl === undefined ? {} : { INDEXER_URL: indexerUrl, NEXT_PUBLIC_INDEXER_URL: indexerUrl }),
  });
  let output = "";
  const child: ChildProcess = spawn(
    process.execPath,
    [NEXT_BIN, "start", "--port", String(port), "--hostname", "127.0.0.1"],
    { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    await waitForHttp(`${url}/icon.svg`, child, { tries: 600, output: () => output });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

// ---- FHIR through the gateway --------------------------------------------------------------------------------------

async function fhirSearchTimes(gatewayUrl: string, patientIndex: number, requests: number): Promise<number[]> {
  const patient = privateKeyToAccount(hardhatAccount(patientIndex).privateKey);
  const client = new GatewayClient(gatewayUrl, patient);
  await client.signIn();
  const search = async () => {
    const response = await client.get(`/api/fhir/Consent?patient=${patient.address}`);
    if (response.status !== 200) throw new Error(`FHIR Consent search: ${response.describe()}`);
  };
  return repeat(requests, search);
}

/** The reads the FHIR Consent search makes for a patient (server/fhir/consents.ts), through the library. */
async function fhirLibraryTimes(client: ConsentClient, patient: Address, requests: number): Promise<number[]> {
  return repeat(requests, async () => {
    const [entries] = await Promise.all([
      client.listConsents({ patient }),
      client.getPatientEvents(patient),
      client.publicClient.getBlock({ blockTag: "latest" }),
    ]);
    await Promise.all([...new Set(entries.map((e) => e.grantee))].map((grantee) => client.getProvider(grantee)));
  });
}

// ---- freshness -------------------------------------------------------------------------------------------------------

/**
 * For each of `grants` patients who never granted the busy provider: send the grant (automine is off), then mine it,
 * and poll the client library with the indexer until the consent is listed. Times from the mining request.
 */
async function freshnessTimes(url: string, scene: ScaleScene, client: ConsentClient, grants: number) {
  const consentRegistry = client.addresses.consentRegistry;
  const candidates = scene.patients.slice(config.size.busyProviderConsents);
  const times: number[] = [];
  for (let i = 0; i < Math.min(grants, candidates.length); i++) {
    const patient = candidates[candidates.length - 1 - i];
    const now = Number((await rpc<{ timestamp: Hex }>(url, "eth_getBlockByNumber", ["latest", false])).timestamp);
    await rpc(url, "eth_sendTransaction", [
      {
        from: patient,
        to: consentRegistry,
        gas: toHex(200_000),
        data: encodeFunctionData({
          abi: abis.ConsentRegistry,
          functionName: "grantConsent",
          args: [scene.busyProvider, 1n, READ, TREATMENT, now + 365 * DAY],
        }),
      },
    ]);
    const started = performance.now();
    await rpc(url, "evm_mine");
    while (true) {
      const consents = await client.listConsents({ patient });
      if (consents.some((c) => c.grantee === scene.busyProvider)) break;
      if (performance.now() - started > FRESHNESS_TIMEOUT_MS) {
        throw new Error(`A grant by ${patient} was not visible through the indexer within ${FRESHNESS_TIMEOUT_MS} ms.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    times.push(performance.now() - started);
  }
  return times;
}

// ---- the dashboard in Chromium ---------------------------------------------------------------------------------------

interface DashboardRun {
  /** From navigation start until every consent and the timeline are shown. */
  ms: number;
  fromClickMs: number;
  /** Requests for data (chain node, indexer, gateway API) started before the dashboard was complete. */
  dataRequests: number;
  byKind: Record<string, number>;
  /** Every request the page made until the dashboard was complete, from the click (ms): where the time goes. */
  timeline: { kind: string; url: string; start: number; end?: number }[];
}

async function dashboardRun(
  browser: Browser,
  portalUrl: string,
  rpcUrl: string,
  indexerUrl: string,
  patientKey: Hex,
  consents: number,
): Promise<DashboardRun> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const requests: { kind: string; start: number }[] = [];
    const everything = new Map<object, { url: string; start: number; end?: number }>();
    page.on("request", (request) => everything.set(request, { url: request.url(), start: Date.now() }));
    const ended = (request: object) => {
      const entry = everything.get(request);
      if (entry !== undefined) entry.end = Date.now();
    };
    page.on("requestfinished", ended);
    page.on("requestfailed", ended);
    page.on("request", (request) => {
      const url = request.url();
      const kind = url.startsWith(rpcUrl)
        ? "chain node"
        : url.startsWith(indexerUrl)
          ? "indexer"
          : url.startsWith(`${portalUrl}/api/`)
            ? "gateway API"
            : undefined;
      if (kind !== undefined) requests.push({ kind, start: Date.now() });
    });
    await installTestWallet(page, rpcUrl, patientKey);
    // The page's long tasks (main thread busy over 50 ms), in wall-clock ms, to tell waiting from working.
    await page.addInitScript(() => {
      const tasks: [number, number][] = [];
      (window as unknown as { __longTasks: typeof tasks }).__longTasks = tasks;
      new PerformanceObserver((list) => {
        for (const task of list.getEntries()) tasks.push([performance.timeOrigin + task.startTime, task.duration]);
      }).observe({ type: "longtask", buffered: true });
    });
    // Wall-clock times (this machine's one clock, Node and page alike), so a reload in between cannot reset them.
    const navigationStart = Date.now();
    await page.goto(`${portalUrl}/patient`, { waitUntil: "commit" });
    await page.locator("button[data-hydrated]", { hasText: "Connect" }).click();
    const clicked = Date.now();
    await page.getByRole("button", { name: "Test Wallet" }).click();
    // Polled every animation frame: the first frame in which every consent card and the timeline's count are shown.
    const shown = await page
      .waitForFunction(
        (expected: number) => {
          const cards = document.querySelectorAll("#consents li.card").length;
          const status = document.querySelector("#timeline p[role=status]")?.textContent ?? "";
          return cards >= expected && /^\d+ events\./.test(status) ? Date.now() : false;
        },
        consents,
        { timeout: config.dashboardTimeoutMs, polling: "raf" },
      )
      .catch(async (error: Error) => {
        const screenshot = "/tmp/bench-scale-timeout.png";
        await page.screenshot({ path: screenshot, fullPage: true }).catch(() => undefined);
        const seen = await page.evaluate(() => ({
          consentCards: document.querySelectorAll("#consents li.card").length,
          timeline: document.querySelector("#timeline p[role=status]")?.textContent,
          alerts: [...document.querySelectorAll("[role=alert]")].map((e) => e.textContent),
        }));
        throw new Error(
          `${error.message}\nExpected ${consents} consent cards and the timeline; the page showed ` +
            `${JSON.stringify(seen)}; ${requests.length} data requests; screenshot ${screenshot}`,
        );
      });
    const done = (await shown.jsonValue()) as number;
    const counted = requests.filter((r) => r.start <= done);
    const byKind: Record<string, number> = {};
    for (const r of counted) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: [number, number][] }).__longTasks);
    const kindOf = (url: string) =>
      url.startsWith(rpcUrl)
        ? "chain node"
        : url.startsWith(indexerUrl)
          ? "indexer"
          : url.startsWith(`${portalUrl}/api/`)
            ? "gateway API"
            : "page";
    return {
      ms: done - navigationStart,
      fromClickMs: done - clicked,
      dataRequests: counted.length,
      byKind,
      timeline: [
        ...[...everything.values()]
          .filter((r) => r.start <= done)
          .map((r) => ({
            kind: kindOf(r.url),
            url: r.url.replace(portalUrl, "").slice(0, 70),
            start: r.start - clicked,
            end: r.end === undefined ? undefined : r.end - clicked,
          })),
        ...longTasks
          .filter(([start]) => start <= done)
          .map(([start, duration]) => ({
            kind: "long task",
            url: "(main thread busy)",
            start: Math.round(start - clicked),
            end: Math.round(start + duration - clicked),
          })),
      ].sort((a, b) => a.start - b.start),
    };
  } finally {
    await context.close();
  }
}

async function dashboardRuns(
  browser: Browser,
  runs: number,
  warmUp: boolean,
  ...args: Parameters<typeof dashboardRun> extends [Browser, ...infer Rest] ? Rest : never
): Promise<DashboardRun[]> {
  if (warmUp) await dashboardRun(browser, ...args);
  const results: DashboardRun[] = [];
  for (let i = 0; i < runs; i++) results.push(await dashboardRun(browser, ...args));
  return results;
}

const describeRequests = (run: DashboardRun) =>
  Object.entries(run.byKind)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");

// ---- the run ---------------------------------------------------------------------------------------------------------

async function main() {
  const overallStarted = performance.now();
  if (config.browser) assertChromium();
  const preserved = preserveLocalDeployment();
  const scratch = mkdtempSync(path.join(tmpdir(), "medconsent-bench-scale-"));
  let node: LocalNode | undefined;
  let indexer: IndexerProcess | undefined;
  let browser: Browser | undefined;
  const servers: NextServer[] = [];
  const cleanup = async () => {
    await browser?.close().catch(() => undefined);
    for (const server of servers) await server.stop();
    await indexer?.stop();
    await node?.stop();
    preserved.restore();
    rmSync(scratch, { recursive: true, force: true });
  };
  await runWithCleanup(cleanup, async () => {
    const { size } = config;
    const indexerPort = config.indexerPort || (await freePort());
    const indexerUrl = `http://127.0.0.1:${indexerPort}`;
    node = await startLocalNode(config.nodePort ? { port: config.nodePort } : {});
    const rpcUrl = node.url;
    await rpc(rpcUrl, "hardhat_setLoggingEnabled", [false]);
    const deploy = await runHardhat(["deploy", "--network", "custom"], {
      env: customNetworkEnv(rpcUrl),
      timeoutMs: 180_000,
    });
    if (deploy.code !== 0) throw new Error(`${deploy.command} failed:\n${deploy.output}`);
    // CREATE2: the addresses are the bindings' whatever the node; the deployment block is read back from them.
    const addresses = deploymentOf(LOCAL_CHAIN_ID)!.addresses;
    const fromBlock = deploymentBlock();
    for (const [name, address] of Object.entries(addresses)) {
      if ((await rpc<Hex>(rpcUrl, "eth_getCode", [address, "latest"])) === "0x") {
        throw new Error(`No ${name} at ${address} on the bench node: the bindings do not match its deployment.`);
      }
    }

    console.log(
      `Building the chain: ${count(size.blocks)} empty blocks in ${size.phases} chunks, ${count(size.patients)} ` +
        `patients × ${size.grantsPerPatient} grants to ${count(size.providers)} providers, ${count(size.records)} ` +
        `records${config.browser ? `; next build (${DIST_DIR}, NEXT_PUBLIC_INDEXER_URL=${indexerUrl}) beside it` : ""}…`,
    );
    const buildStarted = performance.now();
    const build = config.browser
      ? buildPortal(DIST_DIR, rpcUrl, indexerUrl).then(() => (performance.now() - buildStarted) / 1000)
      : Promise.resolve(0);
    build.catch(() => undefined); // awaited below; a failure must not be unhandled meanwhile
    const scene = await buildScaleScene(rpcUrl, addresses, size, console.log);
    console.log(
      `Scene built in ${scene.seconds.toFixed(0)} s: ${count(scene.counts.transactions)} transactions, ` +
        `${count(scene.counts.events)} events (${count(scene.counts.grants)} grants, ` +
        `${count(scene.counts.revocations)} revocations, ${count(scene.counts.records)} records), ` +
        `${count(Number(scene.latestBlock))} blocks.`,
    );

    console.log(`Backfill: starting the indexer from block 0 on ${indexerUrl}…`);
    const backfill = await timed(() =>
      startIndexer({
        rpcUrl,
        port: indexerPort,
        dataDir: path.join(scratch, "indexer"),
        readyTimeoutMs: 4 * 3600_000,
      }),
    );
    indexer = backfill.value;
    const backfillSeconds = backfill.ms / 1000;
    const eventsPerSecond = scene.counts.events / backfillSeconds;
    // Ponder's own figure for the backfill alone (without its start-up: build, migrations, first RPC calls).
    const completed = indexer
      .output()
      .split("\n")
      .find((line) => line.includes("Completed backfill indexing"));
    // Ponder prints its duration as "(850ms)", "(16s)" or "(2m 02s)".
    const ponderDuration = /Completed backfill indexing.*\((?:(\d+)m )?(?:([\d.]+)s|(\d+)ms)\)/.exec(completed ?? "");
    const ponderSeconds = ponderDuration
      ? Number(ponderDuration[1] ?? 0) * 60 + Number(ponderDuration[2] ?? 0) + Number(ponderDuration[3] ?? 0) / 1000
      : undefined;
    console.log(
      `Indexer ready in ${backfillSeconds.toFixed(1)} s (${count(Math.round(eventsPerSecond))} events/s); ` +
        `Ponder: ${completed?.trim() ?? "no backfill line"}.`,
    );

    const withIndexer = createConsentClient({ rpcUrl, addresses, fromBlock, indexerUrl });
    const logScan = createConsentClient({ rpcUrl, addresses, fromBlock });
    const busyProvider = scene.busyProvider;
    const dashboardPatient = scene.dashboardPatient;

    // The two paths must give the same answers, or the comparison means nothing.
    const [fromIndexer, fromScan] = await Promise.all([
      withIndexer.listConsents({ grantee: busyProvider }),
      logScan.listConsents({ grantee: busyProvider }),
    ]);
    if (fromIndexer.length !== fromScan.length) {
      throw new Error(
        `consent:list disagrees: ${fromIndexer.length} via the indexer, ${fromScan.length} via the scan.`,
      );
    }
    const dashboardConsents = (await logScan.listConsents({ patient: dashboardPatient })).length;

    console.log(`consent:list for ${busyProvider} (${fromIndexer.length} consents)…`);
    const listIndexer = await repeat(config.listRuns, () => withIndexer.listConsents({ grantee: busyProvider }));
    const listScan = await repeat(config.scanRuns, () => logScan.listConsents({ grantee: busyProvider }));
    console.log("Dashboard data (listConsents + getPatientEvents + getRecords)…");
    const dataIndexer = await repeat(config.listRuns, () => dashboardData(withIndexer, dashboardPatient));
    const dataScan = await repeat(config.scanRuns, () => dashboardData(logScan, dashboardPatient));

    let fhirVia = "the library reads the search makes (no gateway with SCALE_BROWSER=0)";
    let fhirIndexer: number[];
    let fhirScan: number[];
    let portalBuildSeconds = 0;
    let gatewayWired = false;
    let portalWired = false;
    let indexerServer: NextServer | undefined;
    let scanServer: NextServer | undefined;
    if (config.browser) {
      portalBuildSeconds = await build;
      // The server reading `env.INDEXER_URL` (not the portal's NEXT_PUBLIC_INDEXER_URL, which the build inlines).
      const serverDir = path.join(PROJECT_ROOT, DIST_DIR, "server");
      gatewayWired = buildContains(serverDir, ".INDEXER_URL") || buildContains(serverDir, '"INDEXER_URL"');
      portalWired = buildContains(path.join(PROJECT_ROOT, DIST_DIR, "static"), indexerUrl);
      indexerServer = await startNext(DIST_DIR, rpcUrl, path.join(scratch, "gateway-indexer"), indexerUrl);
      servers.push(indexerServer);
      if (portalWired) {
        // The portal inlines NEXT_PUBLIC_INDEXER_URL: the log-scan portal is a build without it.
        console.log(`The portal reads the indexer: building it without (${SCAN_DIST_DIR}) for the log scan…`);
        await buildPortal(SCAN_DIST_DIR, rpcUrl);
        scanServer = await startNext(SCAN_DIST_DIR, rpcUrl, path.join(scratch, "gateway-scan"));
      } else {
        scanServer = await startNext(DIST_DIR, rpcUrl, path.join(scratch, "gateway-scan"));
      }
      servers.push(scanServer);
      fhirVia = gatewayWired
        ? "GET /api/fhir/Consent through the gateway (next start), INDEXER_URL set or not"
        : "GET /api/fhir/Consent through the gateway (next start); its build does not read INDEXER_URL yet, so both " +
          "columns are the log scan";
      console.log("FHIR Consent search through the gateway…");
      fhirIndexer = await fhirSearchTimes(indexerServer.url, scene.dashboardPatientIndex, config.fhirRequests);
      fhirScan = await fhirSearchTimes(scanServer.url, scene.dashboardPatientIndex, config.scanFhirRequests);
    } else {
      console.log("FHIR Consent search (the library reads it makes)…");
      fhirIndexer = await fhirLibraryTimes(withIndexer, dashboardPatient, config.fhirRequests);
      fhirScan = await fhirLibraryTimes(logScan, dashboardPatient, config.scanFhirRequests);
    }

    let dashIndexer: DashboardRun[] | undefined;
    let dashScan: DashboardRun[] | undefined;
    if (config.browser) {
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      const key = hardhatAccount(scene.dashboardPatientIndex).privateKey;
      console.log(`Patient dashboard in Chromium (${dashboardConsents} consents and the timeline)…`);
      dashIndexer = await dashboardRuns(
        browser,
        config.browserRuns,
        true,
        indexerServer!.url,
        rpcUrl,
        indexerUrl,
        key,
        dashboardConsents,
      );
      dashScan = await dashboardRuns(
        browser,
        config.scanBrowserRuns,
        false,
        scanServer!.url,
        rpcUrl,
        indexerUrl,
        key,
        dashboardConsents,
      );
    }

    console.log(`Freshness: ${config.freshnessGrants} grants mined one by one…`);
    const freshness = await freshnessTimes(rpcUrl, scene, withIndexer, config.freshnessGrants);

    // ---- the table ----
    const blocks = Number(await rpc<Hex>(rpcUrl, "eth_blockNumber"));
    console.log(
      `\nChain: ${count(blocks)} blocks (${count(size.blocks)} mined empty in ${size.phases} chunks between the ` +
        `activity), ${count(scene.counts.events)} events from ${count(scene.counts.transactions)} transactions: ` +
        `${count(scene.counts.grants)} grants and ${count(scene.counts.revocations)} revocations by ` +
        `${count(size.patients)} patients to ${count(size.providers)} providers, ${count(scene.counts.records)} ` +
        `records. Built in ${scene.seconds.toFixed(0)} s` +
        (config.browser ? ` (with next build, ${portalBuildSeconds.toFixed(0)} s, beside it).` : ".") +
        ` Log scan: eth_getLogs in 10,000-block windows from block ${fromBlock}. ` +
        `${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}.`,
    );
    console.log(`FHIR row: ${fhirVia}.`);
    if (config.browser && !portalWired) {
      console.log(
        "Dashboard rows: the portal build does not read NEXT_PUBLIC_INDEXER_URL yet, so both columns are the log scan.",
      );
    }
    console.log("");
    const dashboardMs = (runs?: DashboardRun[]) => (runs ? median(runs.map((r) => r.ms)) : undefined);
    const dashboardRequests = (runs?: DashboardRun[]) => (runs ? median(runs.map((r) => r.dataRequests)) : undefined);
    const listMedian = median(listIndexer);
    const fhirP50 = median(fhirIndexer);
    const rows = [
      {
        measure: "backfill from block 0 (start to /ready)",
        indexer:
          `${count(Math.round(eventsPerSecond))} events/s (${backfillSeconds.toFixed(0)} s)` +
          (ponderSeconds
            ? `; backfill alone ${count(Math.round(scene.counts.events / ponderSeconds))} events/s (${ponderSeconds.toFixed(0)} s)`
            : ""),
        "log scan": "",
        ratio: "",
        goal: "reported",
        verdict: "",
      },
      {
        measure: `consent:list, grantee with ${count(fromIndexer.length)} consents (median)`,
        indexer: ms(listMedian),
        "log scan": ms(median(listScan)),
        ratio: ratio(listMedian, median(listScan)),
        goal: `< ${GOAL_CONSENT_LIST_MS} ms`,
        verdict: verdict(listMedian < GOAL_CONSENT_LIST_MS),
      },
      {
        measure: "dashboard data: consents + events + records (median)",
        indexer: ms(median(dataIndexer)),
        "log scan": ms(median(dataScan)),
        ratio: ratio(median(dataIndexer), median(dataScan)),
        goal: "",
        verdict: "",
      },
      {
        measure: `FHIR Consent search, one patient (p50 of ${config.fhirRequests} / ${config.scanFhirRequests})`,
        indexer: ms(fhirP50),
        "log scan": ms(median(fhirScan)),
        ratio: ratio(fhirP50, median(fhirScan)),
        goal: `p50 < ${GOAL_FHIR_P50_MS} ms`,
        verdict: verdict(fhirP50 < GOAL_FHIR_P50_MS),
      },
      {
        measure: `freshness: grant mined → listed (${freshness.length} grants)`,
        indexer: `p50 ${ms(median(freshness))}, p95 ${ms(percentile(freshness, 0.95))}`,
        "log scan": "",
        ratio: "",
        goal: `p95 < ${GOAL_FRESHNESS_P95_MS / 1000} s`,
        verdict: verdict(percentile(freshness, 0.95) < GOAL_FRESHNESS_P95_MS),
      },
    ];
    if (config.browser) {
      const [timeIndexer, timeScan] = [dashboardMs(dashIndexer), dashboardMs(dashScan)];
      const [requestsIndexer, requestsScan] = [dashboardRequests(dashIndexer), dashboardRequests(dashScan)];
      rows.push(
        {
          measure: `patient dashboard in Chromium: ${dashboardConsents} consents + timeline (median)`,
          indexer: ms(timeIndexer!),
          "log scan": ms(timeScan!),
          ratio: ratio(timeIndexer, timeScan),
          goal: `< ${GOAL_DASHBOARD_MS / 1000} s`,
          verdict: verdict(timeIndexer! < GOAL_DASHBOARD_MS),
        },
        {
          measure: "  its HTTP requests for data (node, indexer, gateway API)",
          indexer: String(requestsIndexer),
          "log scan": String(requestsScan),
          ratio: ratio(requestsIndexer, requestsScan),
          goal: `≤ ${GOAL_DASHBOARD_REQUESTS}`,
          verdict: verdict(requestsIndexer! <= GOAL_DASHBOARD_REQUESTS),
        },
      );
    }
    printTable(rows);
    if (dashIndexer && dashScan) {
      const last = (runs: DashboardRun[]) => runs[runs.length - 1];
      console.log(
        `\nDashboard requests (last run): indexer build ${describeRequests(last(dashIndexer))}; ` +
          `log-scan build ${describeRequests(last(dashScan))}. From the click on the wallet: ` +
          `${ms(median(dashIndexer.map((r) => r.fromClickMs)))} / ${ms(median(dashScan.map((r) => r.fromClickMs)))}.`,
      );
      console.log(
        "\nThe indexer build's last run, every request until the dashboard was complete (ms from the click):",
      );
      for (const r of last(dashIndexer).timeline) {
        console.log(
          `  ${String(r.start).padStart(6)} → ${String(r.end ?? "…").padStart(6)}  ${r.kind.padEnd(11)} ${r.url}`,
        );
      }
      console.log(`  ${String(last(dashIndexer).fromClickMs).padStart(6)}    complete`);
    }
    console.log(`\nWhole run: ${((performance.now() - overallStarted) / 60_000).toFixed(1)} min.`);
  });
}

main().catch((error) => {
  const cause = error instanceof Error && error.cause !== undefined ? ` (${String(error.cause)})` : "";
  console.error(error instanceof Error ? `${error.message}${cause}` : error);
  process.exitCode = 1;
});
