// `npm run dev`: the whole product locally on its embedded defaults. Starts (or reuses) the local chain on
// 127.0.0.1:8545, deploys, starts the indexer on http://127.0.0.1:42069 (embedded PGlite in .data/indexer), serves the
// portal and its gateway on http://localhost:3000 (files on disk and embedded Postgres in .data/gateway), then seeds
// the demo scene through the gateway. Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { startIndexer, type IndexerProcess } from "@/harness/indexer";
import {
  freePort,
  LOCAL_CHAIN_ID,
  PROJECT_ROOT,
  rpc,
  runHardhat,
  startLocalNode,
  type LocalNode,
} from "@/harness/localNode";
import { NEXT_BIN } from "@/harness/nextServer";

const CHAIN_PORT = 8545;
const CHAIN_URL = `http://127.0.0.1:${CHAIN_PORT}`;
const PORTAL_PORT = Number(process.env.PORT ?? 3000);
const PORTAL_URL = `http://localhost:${PORTAL_PORT}`;
const GATEWAY_DATA_DIR = process.env.GATEWAY_DATA_DIR ?? path.join(PROJECT_ROOT, ".data", "gateway");
const INDEXER_DATA_DIR = path.join(PROJECT_ROOT, ".data", "indexer");
/** Ponder's default port, so the indexer is where its docs say; another one when something else holds it. */
const INDEXER_PORT = 42069;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * The indexer on this chain, from its data folder; when that folder no longer fits (the chain was redeployed, so the
 * indexed contracts changed), from scratch.
 */
async function startDevIndexer(port: number, freshChain: boolean): Promise<IndexerProcess> {
  const options = { rpcUrl: CHAIN_URL, chainId: LOCAL_CHAIN_ID, port, dataDir: INDEXER_DATA_DIR };
  if (freshChain) return startIndexer(options);
  try {
    return await startIndexer(options);
  } catch {
    rmSync(INDEXER_DATA_DIR, { recursive: true, force: true });
    return startIndexer(options);
  }
}

async function chainIsRunning(): Promise<boolean> {
  try {
    return Number(await rpc<string>(CHAIN_URL, "eth_chainId")) === LOCAL_CHAIN_ID;
  } catch {
    return false;
  }
}

async function portalIsUp(): Promise<boolean> {
  try {
    return (await fetch(`${PORTAL_URL}/api/auth/nonce`)).status === 200;
  } catch {
    return false;
  }
}

async function step(title: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  process.stdout.write(`${title}… `);
  const result = await runHardhat(args, { env: { ...process.env, ...env }, timeoutMs: 180_000 });
  if (result.code !== 0) {
    console.log("failed.\n");
    console.error(result.output.trim());
    throw new Error(`${result.command} failed`);
  }
  console.log(`done (${(result.ms / 1000).toFixed(1)} s)`);
  return result.stdout;
}

async function main() {
  let node: LocalNode | undefined;
  let portal: ChildProcess | undefined;
  let indexer: IndexerProcess | undefined;
  let indexerStarting: Promise<IndexerProcess> | undefined;
  let releaseOutput = () => {};
  const stop = async (code: number) => {
    portal?.kill();
    // An indexer still starting is stopped once it is up (or has failed).
    await (indexer ?? (await indexerStarting?.catch(() => undefined)))?.stop();
    await node?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    const freshChain = !(await chainIsRunning());
    if (!freshChain) {
      console.log(`Using the local chain already running on ${CHAIN_URL}.`);
    } else {
      process.stdout.write(`Starting a local chain on ${CHAIN_URL}… `);
      node = await startLocalNode({ port: CHAIN_PORT });
      console.log("done");
      // The gateway's files, keys and disclosure log, and the indexer's tables, belonged to the previous chain.
      rmSync(GATEWAY_DATA_DIR, { recursive: true, force: true });
      rmSync(INDEXER_DATA_DIR, { recursive: true, force: true });
    }
    await step("Deploying the contracts", ["deploy", "--network", "localhost"]);

    // The indexer backfills while the portal compiles; both must be up before the scene is seeded.
    const indexerPort = (await portIsFree(INDEXER_PORT)) ? INDEXER_PORT : await freePort();
    const indexerUrl = `http://127.0.0.1:${indexerPort}`;
    const indexerStarted = Date.now();
    indexerStarting = startDevIndexer(indexerPort, freshChain);
    // Awaited below, once the portal answers; a failure before then must not end the process unreported.
    indexerStarting.catch(() => {});
    portal = spawn(process.execPath, [NEXT_BIN, "dev", "--port", String(PORTAL_PORT)], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        NEXT_TELEMETRY_DISABLED: "1",
        GATEWAY_DATA_DIR,
        // The portal's lists and the gateway's FHIR searches and key sweep read the indexer.
        NEXT_PUBLIC_INDEXER_URL: indexerUrl,
        INDEXER_URL: indexerUrl,
        // On this machine every passkey account comes from one address (localhost): the per-address cap on sponsored
        // deployments (3 a day by default) would stop a developer's fourth account.
        RELAY_DAILY_DEPLOYMENTS_PER_IP: process.env.RELAY_DAILY_DEPLOYMENTS_PER_IP ?? "1000000",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    // Next's own output waits until the scene is seeded, so the steps above print cleanly.
    let heldOutput: Buffer[] | undefined = [];
    portal.stdout!.on("data", (chunk: Buffer) => (heldOutput ? heldOutput.push(chunk) : process.stdout.write(chunk)));
    releaseOutput = () => {
      for (const chunk of heldOutput ?? []) process.stdout.write(chunk);
      heldOutput = undefined;
    };
    portal.on("exit", (code) => void stop(code ?? 0));
    process.stdout.write(`Starting the portal and gateway on ${PORTAL_URL}… `);
    const started = Date.now();
    while (!(await portalIsUp())) {
      if (Date.now() - started > 180_000)
        throw new Error(`The portal did not answer on ${PORTAL_URL} within 3 minutes.`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    console.log(`done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    process.stdout.write(`Starting the indexer on ${indexerUrl}… `);
    indexer = await indexerStarting;
    console.log(`done (${((Date.now() - indexerStarted) / 1000).toFixed(1)} s)`);

    const seed = await step("Seeding the demo scene", ["run", "--network", "localhost", "scripts/seed.ts"], {
      GATEWAY_URL: PORTAL_URL,
    });
    console.log(`\n${seed.trim()}\n`);
  } catch (error) {
    console.error((error as Error).message);
    await stop(1);
  }

  console.log(`Portal: ${PORTAL_URL}  (connect with "Demo accounts" to act as anyone above).`);
  console.log(`Indexer: ${indexer?.url} (GraphQL at /graphql). Ctrl-C stops.\n`);
  releaseOutput();
}

void main();
