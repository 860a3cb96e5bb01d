// `npm run dev`: the whole product locally on its embedded defaults. Starts (or reuses) the local chain on
// 127.0.0.1:8545, deploys, serves the portal and its gateway on http://localhost:3000 (files on disk and embedded
// Postgres in .data/gateway), then seeds the demo scene through the gateway. Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { LOCAL_CHAIN_ID, PROJECT_ROOT, rpc, runHardhat, startLocalNode, type LocalNode } from "@/harness/localNode";
import { NEXT_BIN } from "@/harness/nextServer";

const CHAIN_PORT = 8545;
const CHAIN_URL = `http://127.0.0.1:${CHAIN_PORT}`;
const PORTAL_PORT = Number(process.env.PORT ?? 3000);
const PORTAL_URL = `http://localhost:${PORTAL_PORT}`;
const GATEWAY_DATA_DIR = process.env.GATEWAY_DATA_DIR ?? path.join(PROJECT_ROOT, ".data", "gateway");

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
  let releaseOutput = () => {};
  const stop = async (code: number) => {
    portal?.kill();
    await node?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    if (await chainIsRunning()) {
      console.log(`Using the local chain already running on ${CHAIN_URL}.`);
    } else {
      process.stdout.write(`Starting a local chain on ${CHAIN_URL}… `);
      node = await startLocalNode({ port: CHAIN_PORT });
      console.log("done");
      // The gateway's files, keys and disclosure log belonged to the previous chain, which is gone.
      rmSync(GATEWAY_DATA_DIR, { recursive: true, force: true });
    }
    await step("Deploying the contracts", ["deploy", "--network", "localhost"]);

    portal = spawn(process.execPath, [NEXT_BIN, "dev", "--port", String(PORTAL_PORT)], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", GATEWAY_DATA_DIR },
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

    const seed = await step("Seeding the demo scene", ["run", "--network", "localhost", "scripts/seed.ts"], {
      GATEWAY_URL: PORTAL_URL,
    });
    console.log(`\n${seed.trim()}\n`);
  } catch (error) {
    console.error((error as Error).message);
    await stop(1);
  }

  console.log(`Portal: ${PORTAL_URL}  (connect with "Demo accounts" to act as anyone above). Ctrl-C stops.\n`);
  releaseOutput();
}

void main();
