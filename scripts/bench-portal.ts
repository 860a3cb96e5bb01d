// Portal benchmark (`npm run bench:portal`): gives one patient 500 consents and 500 records on a local chain, then
// measures in headless Chromium, against the production build, the time until the patient dashboard shows them all,
// and the JavaScript transferred (gzip) for the patient page. Runs its own stack (hardhat node, deploy, seed,
// `next build` into .next-bench, `next start`), so it never touches `npm run dev` or the browser suite's build.
import { APPEND, READ, RESEARCH, ROUTINE_CATEGORIES, TREATMENT } from "@/lib/consentCodes";
import { median, seededRandom, sendTransactions } from "./lib/benchChain";
import { cpus, loadavg } from "node:os";
import { chromium, type Browser, type Page } from "playwright-core";
import { encodeFunctionData, getAddress, keccak256, toHex, type Address, type Hex } from "viem";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  assertChromium,
  startPortalStack,
  type PortalStack,
} from "@/harness/portalServer";
import { installTestWallet } from "@/harness/testWallet";
import { runWithCleanup } from "@/harness/cleanup";
import { contentHash, contentUri } from "@/harness/contentUri";
import { hardhatAccount, rpc } from "@/harness/localNode";
import { guardTsconfig } from "@/harness/nextServer";
import { printTable } from "@/harness/table";

const DAY = 24 * 3600;
const CONSENTS = 500;
const RECORDS = 500;
const RUNS = 3;
const GOAL_DASHBOARD_MS = 2_000;
const GOAL_JS_BYTES = 300 * 1000;
const DIST_DIR = ".next-bench";
/** A fresh patient: a Hardhat account the node holds unlocked and the test wallet can sign for. */
const PATIENT_INDEX = 10;
const DASHBOARD_TIMEOUT_MS = 120_000;
/** After the dashboard is complete: how long to wait for the provider names and the timeline (reported, no goal). */
const EXTRAS_TIMEOUT_MS = 30_000;

const ROUTINE_CATEGORY_BITS = 13;

const random = seededRandom(0x706f7274);

const benchAddress = (label: string): Address =>
  getAddress(keccak256(toHex(`medconsent portal bench: ${label}`)).slice(0, 42));

/** 500 registered providers; the patient grants each a consent and adds 500 records. */
async function buildChain(url: string) {
  // Imported now: deploying to the stack's node has just (re)written the bindings.
  const { default: deployedContracts, abis } = await import("@/lib/contracts/deployedContracts");
  const { ProviderRegistry, ConsentRegistry, RecordRegistry } = deployedContracts[31337];
  for (const { address } of [ProviderRegistry, ConsentRegistry, RecordRegistry]) {
    if ((await rpc<Hex>(url, "eth_getCode", [address, "latest"])) === "0x") {
      throw new Error(`No contract at ${address} on the bench node: the bindings do not match its deployment.`);
    }
  }
  const registrar = hardhatAccount(0).address; // the deployer holds REGISTRAR_ROLE
  const patient = hardhatAccount(PATIENT_INDEX).address;

  const providers = Array.from({ length: CONSENTS }, (_, i) => benchAddress(`provider ${i}`));
  await sendTransactions(
    url,
    providers.map((provider, i) => ({
      from: registrar,
      to: ProviderRegistry.address,
      gas: 500_000,
      data: encodeFunctionData({
        abi: abis.ProviderRegistry,
        functionName: "registerProvider",
        args: [provider, i % 5, `Bench Clinic ${String(i + 1).padStart(3, "0")}`, keccak256(toHex(`credential ${i}`))],
      }),
    })),
  );

  const latest = await rpc<{ timestamp: Hex }>(url, "eth_getBlockByNumber", ["latest", false]);
  const now = Number(latest.timestamp);
  // All active: a year or two from now, well past the 7-day "expiring" window.
  await sendTransactions(
    url,
    providers.map((provider) => ({
      from: patient,
      to: ConsentRegistry.address,
      gas: 300_000,
      data: encodeFunctionData({
        abi: abis.ConsentRegistry,
        functionName: "grantConsent",
        args: [
          provider,
          BigInt(1 + Math.floor(random() * Number(ROUTINE_CATEGORIES))),
          random() < 0.3 ? READ | APPEND : READ,
          random() < 0.2 ? TREATMENT | RESEARCH : TREATMENT,
          now + 365 * DAY + Math.floor(random() * 365) * DAY,
        ],
      }),
    })),
  );

  await sendTransactions(
    url,
    Array.from({ length: RECORDS }, (_, i) => {
      const ciphertext = new TextEncoder().encode(`bench ciphertext ${i}: ${keccak256(toHex(i))}`);
      return {
        from: patient,
        to: RecordRegistry.address,
        gas: 400_000,
        data: encodeFunctionData({
          abi: abis.RecordRegistry,
          functionName: "addRecord",
          args: [patient, contentHash(ciphertext), i % ROUTINE_CATEGORY_BITS, contentUri(ciphertext)],
        }),
      };
    }),
  );
  const blocks = Number(await rpc<Hex>(url, "eth_blockNumber"));
  return { patient, blocks };
}

/**
 * In the page, from its first script on: the time (ms since navigation start) at which each milestone is first seen,
 * checked once per animation frame after DOM changes, i.e. just before the frame that shows it.
 */
function installMilestones(target: { consents: number; records: number }) {
  const marks: Record<string, number> = {};
  const longTasks: [start: number, duration: number][] = [];
  const bench = { marks, longTasks };
  new PerformanceObserver((list) => {
    for (const task of list.getEntries()) longTasks.push([task.startTime, task.duration]);
  }).observe({ type: "longtask", buffered: true });
  (window as unknown as { __bench: typeof bench }).__bench = bench;
  const mark = (name: string) => {
    if (marks[name] === undefined) marks[name] = performance.now();
  };
  document.addEventListener(
    "click",
    (event) => {
      const button = (event.target as Element | null)?.closest("button");
      if (button?.textContent?.trim() === "Test Wallet") mark("connectClick");
    },
    true,
  );
  let scheduled = false;
  const check = () => {
    scheduled = false;
    const cards = document.querySelectorAll("#consents li.card");
    const consentsShown =
      document.getElementById("group-active")?.textContent === `Active (${target.consents})` &&
      cards.length === target.consents;
    const recordsShown = document.querySelectorAll("#records ul.cards > li").length === target.records;
    if (consentsShown) mark("consents");
    if (recordsShown) mark("records");
    if (consentsShown && recordsShown) mark("dashboard");
    if (consentsShown && [...cards].every((card) => !card.querySelector("strong")?.textContent?.startsWith("0x"))) {
      mark("names");
    }
    const status = document.querySelector("#timeline p[role=status]")?.textContent ?? "";
    if (/^\d+ events\./.test(status)) mark("timeline");
  };
  new MutationObserver(() => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(check);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

interface RpcRequest {
  calls: string[];
  startMs: number;
  durationMs: number;
}

interface RunResult {
  marks: Record<string, number>;
  scripts: { url: string; encoded: number; decoded: number; encoding: string }[];
  rpc: RpcRequest[];
  consoleErrors: string[];
  /** The page's long tasks (main thread busy over 50 ms): start since navigation start, duration. */
  longTasks: [number, number][];
}

async function measureRun(browser: Browser, stack: PortalStack, privateKey: Hex): Promise<RunResult> {
  const context = await browser.newContext();
  try {
    const page: Page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    const scripts: RunResult["scripts"] = [];
    const rpcRequests: RpcRequest[] = [];
    const pending: Promise<void>[] = [];
    page.on("requestfinished", (request) => {
      pending.push(
        (async () => {
          if (request.resourceType() === "script") {
            const response = await request.response();
            if (response === null) return;
            const sizes = await request.sizes();
            scripts.push({
              url: request.url(),
              encoded: sizes.responseBodySize,
              decoded: (await response.body()).length,
              encoding: (await response.headerValue("content-encoding")) ?? "none",
            });
          } else if (request.url().startsWith(stack.chain.url) && request.method() === "POST") {
            const body = JSON.parse(request.postData() ?? "null") as { method: string } | { method: string }[];
            const timing = request.timing();
            rpcRequests.push({
              calls: (Array.isArray(body) ? body : [body]).map((call) => call.method),
              startMs: timing.startTime,
              durationMs: timing.responseEnd,
            });
          }
        })(),
      );
    });

    await page.addInitScript(installMilestones, { consents: CONSENTS, records: RECORDS });
    await installTestWallet(page, stack.chain.url, privateKey);
    await page.goto(`${stack.portalUrl}/patient`, { waitUntil: "commit" });
    await page.locator("button[data-hydrated]", { hasText: "Connect" }).click();
    await page.getByRole("button", { name: "Test Wallet" }).click();
    await page
      .waitForFunction(
        () => (window as unknown as { __bench: { marks: Record<string, number> } }).__bench.marks.dashboard,
        undefined,
        { timeout: DASHBOARD_TIMEOUT_MS, polling: 100 },
      )
      .catch(async (error: Error) => {
        const screenshot = "/tmp/bench-portal-timeout.png";
        await page.screenshot({ path: screenshot }).catch(() => undefined);
        const seen = await page.evaluate(() => ({
          marks: (window as unknown as { __bench: { marks: Record<string, number> } }).__bench.marks,
          activeHeading: document.getElementById("group-active")?.textContent,
          consentCards: document.querySelectorAll("#consents li.card").length,
          recordCards: document.querySelectorAll("#records ul.cards > li").length,
          alerts: [...document.querySelectorAll("[role=alert]")].map((e) => e.textContent),
        }));
        throw new Error(
          `${error.message}\nThe page showed: ${JSON.stringify(seen)}; console errors: ${JSON.stringify(consoleErrors)}; ` +
            `screenshot ${screenshot}`,
        );
      });
    await page
      .waitForFunction(
        () => {
          const { marks } = (window as unknown as { __bench: { marks: Record<string, number> } }).__bench;
          return marks.names !== undefined && marks.timeline !== undefined;
        },
        undefined,
        { timeout: EXTRAS_TIMEOUT_MS, polling: 100 },
      )
      .catch(() => undefined);
    await page.waitForLoadState("networkidle").catch(() => undefined);
    const { marks, longTasks } = await page.evaluate(
      () =>
        (window as unknown as { __bench: { marks: Record<string, number>; longTasks: [number, number][] } }).__bench,
    );
    const navigationStart = await page.evaluate(() => performance.timeOrigin);
    await Promise.all(pending);
    for (const request of rpcRequests) request.startMs -= navigationStart;
    return { marks, scripts, rpc: rpcRequests, consoleErrors, longTasks };
  } finally {
    await context.close();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const kilobytes = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

function spread(values: (number | undefined)[], format: (value: number) => string): string {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length === 0) return "not reached";
  const missing = values.length - known.length;
  const range = known.length > 1 ? ` (${format(Math.min(...known))}–${format(Math.max(...known))})` : "";
  return `${format(median(known))}${range}${missing > 0 ? `, not reached in ${missing} run(s)` : ""}`;
}

function report(runs: RunResult[], setup: { blocks: number; chainSeconds: number; stackSeconds: number }) {
  const since = (run: RunResult, name: string, from?: string) => {
    const end = run.marks[name];
    const start = from === undefined ? 0 : run.marks[from];
    return end === undefined || start === undefined ? undefined : end - start;
  };
  const dashboardFromNavigation = runs.map((r) => since(r, "dashboard"));
  const dashboardFromConnect = runs.map((r) => since(r, "dashboard", "connectClick"));
  const jsEncoded = runs.map((r) => r.scripts.reduce((sum, s) => sum + s.encoded, 0));
  const jsDecoded = runs.map((r) => r.scripts.reduce((sum, s) => sum + s.decoded, 0));
  const verdict = (value: number | undefined, goal: number) =>
    value === undefined ? "MISS" : value < goal ? "PASS" : "MISS";
  const dashboardMedian = median(dashboardFromNavigation.map((v) => v ?? Infinity));

  console.log(
    `\nPatient ${hardhatAccount(PATIENT_INDEX).address}: ${CONSENTS} active consents to ${CONSENTS} registered ` +
      `providers, ${RECORDS} records; chain of ${setup.blocks} blocks (one transaction each). Stack started in ` +
      `${setup.stackSeconds.toFixed(0)} s, chain filled in ${setup.chainSeconds.toFixed(1)} s. Median of ${RUNS} runs, ` +
      `each in a fresh browser context (empty cache), headless Chromium, production build (next start); ` +
      `${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)} (the times grow with other work on the machine).\n`,
  );
  printTable([
    {
      measure: `dashboard shows ${CONSENTS} consents + ${RECORDS} records, from navigation start`,
      result: spread(dashboardFromNavigation, seconds),
      goal: `< ${seconds(GOAL_DASHBOARD_MS)}`,
      verdict: verdict(dashboardMedian, GOAL_DASHBOARD_MS),
    },
    {
      measure: "  the same, from the click on the wallet",
      result: spread(dashboardFromConnect, seconds),
      goal: "",
      verdict: "",
    },
    {
      measure: "JavaScript transferred for /patient (gzip)",
      result: `${spread(jsEncoded, kilobytes)}; ${kilobytes(median(jsDecoded))} uncompressed, ${runs[0].scripts.length} files`,
      goal: `< ${kilobytes(GOAL_JS_BYTES)}`,
      verdict: verdict(median(jsEncoded), GOAL_JS_BYTES),
    },
  ]);

  console.log("\nMilestones, from the click on the wallet (median, min–max):");
  printTable(
    [
      ["connect click (from navigation start)", runs.map((r) => since(r, "connectClick"))],
      [`all ${CONSENTS} consents shown`, runs.map((r) => since(r, "consents", "connectClick"))],
      [`all ${RECORDS} records shown`, runs.map((r) => since(r, "records", "connectClick"))],
      ["every consent shows its provider's name", runs.map((r) => since(r, "names", "connectClick"))],
      ["timeline loaded", runs.map((r) => since(r, "timeline", "connectClick"))],
    ].map(([name, values]) => ({
      milestone: name as string,
      time: spread(values as (number | undefined)[], seconds),
    })),
  );

  const busy = runs.map((r) => {
    const from = r.marks.connectClick ?? 0;
    const to = r.marks.dashboard ?? Infinity;
    return r.longTasks
      .filter(([start]) => start >= from && start < to)
      .reduce((sum, [, duration]) => sum + duration, 0);
  });
  console.log(
    `\nMain thread in long tasks (> 50 ms) between the click and the complete dashboard: ${spread(busy, seconds)}.`,
  );

  const last = runs[runs.length - 1];
  const calls = last.rpc.flatMap((r) => r.calls);
  const byMethod = new Map<string, number>();
  for (const method of calls) byMethod.set(method, (byMethod.get(method) ?? 0) + 1);
  console.log(
    `\nJSON-RPC from the page in the last run: ${last.rpc.length} HTTP requests, ${calls.length} calls ` +
      `(${[...byMethod.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([method, n]) => `${n} ${method}`)
        .join(", ")}).`,
  );
  console.log("Slowest JSON-RPC requests (start from navigation start):");
  printTable(
    [...last.rpc]
      .sort((a, b) => b.durationMs - a.durationMs)
      .slice(0, 6)
      .map((r) => {
        const counts = new Map<string, number>();
        for (const method of r.calls) counts.set(method, (counts.get(method) ?? 0) + 1);
        return {
          calls: [...counts.entries()].map(([method, n]) => `${n} ${method}`).join(", "),
          start: seconds(r.startMs),
          duration: seconds(r.durationMs),
        };
      }),
  );
  const uncompressed = last.scripts.filter((s) => s.encoding === "none" && s.decoded > 1000);
  if (uncompressed.length > 0) {
    console.log(`\nWarning: ${uncompressed.length} script(s) were served without compression.`);
  }
  console.log("\nLargest scripts (last run):");
  printTable(
    [...last.scripts]
      .sort((a, b) => b.encoded - a.encoded)
      .slice(0, 5)
      .map((s) => ({
        script: new URL(s.url).pathname,
        transferred: kilobytes(s.encoded),
        uncompressed: kilobytes(s.decoded),
        encoding: s.encoding,
      })),
  );
  const errors = [...new Set(runs.flatMap((r) => r.consoleErrors))];
  if (errors.length > 0) console.log(`\nConsole errors in the page:\n${errors.map((e) => `  ${e}`).join("\n")}`);
}

async function main() {
  assertChromium();
  // `next build` adds its build folder's type globs to tsconfig.json; the bench folder is no part of the project's.
  const restoreTsconfig = guardTsconfig(DIST_DIR);
  let stack: PortalStack | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await stack?.stop();
    restoreTsconfig();
  };
  await runWithCleanup(stop, async () => {
    console.log(`Starting the stack: hardhat node, deploy, seed, next build (${DIST_DIR}), next start…`);
    const stackStarted = performance.now();
    stack = await startPortalStack({ distDir: DIST_DIR });
    restoreTsconfig();
    const stackSeconds = (performance.now() - stackStarted) / 1000;
    // The node prints every request it serves; that costs it more than the requests themselves.
    await rpc(stack.chain.url, "hardhat_setLoggingEnabled", [false]);

    console.log(`Portal on ${stack.portalUrl}, chain on ${stack.chain.url}. Filling the chain…`);
    const chainStarted = performance.now();
    const { blocks } = await buildChain(stack.chain.url);
    const chainSeconds = (performance.now() - chainStarted) / 1000;

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const privateKey = hardhatAccount(PATIENT_INDEX).privateKey;
    // One run first, not counted: the server's and the node's first requests are slower (JIT, caches).
    const warmUp = await measureRun(browser, stack, privateKey);
    console.log(`Warm-up run (not counted): dashboard complete at ${seconds(warmUp.marks.dashboard)}.`);
    const runs: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await measureRun(browser, stack, privateKey);
      console.log(`Run ${i + 1}: dashboard complete at ${seconds(run.marks.dashboard)} from navigation start.`);
      runs.push(run);
    }
    report(runs, { blocks, chainSeconds, stackSeconds });
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
