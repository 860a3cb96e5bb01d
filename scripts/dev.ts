// `npm run dev`: the whole product locally on its embedded defaults. Starts (or reuses) the local chain on
// 127.0.0.1:8545, deploys, seeds the demo scene and serves the portal on http://localhost:3000. Ctrl-C stops
// everything it started.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { LOCAL_CHAIN_ID, PROJECT_ROOT, rpc, runHardhat, startLocalNode, type LocalNode } from "./lib/localNode";

const CHAIN_PORT = 8545;
const CHAIN_URL = `http://127.0.0.1:${CHAIN_PORT}`;
const PORTAL_PORT = Number(process.env.PORT ?? 3000);
const NEXT_BIN = path.join(PROJECT_ROOT, "node_modules", "next", "dist", "bin", "next");

async function chainIsRunning(): Promise<boolean> {
  try {
    return Number(await rpc<string>(CHAIN_URL, "eth_chainId")) === LOCAL_CHAIN_ID;
  } catch {
    return false;
  }
}

async function step(title: string, args: string[]): Promise<string> {
  process.stdout.write(`${title}… `);
  const result = await runHardhat(args, { env: { ...process.env }, timeoutMs: 180_000 });
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
    }
    await step("Deploying the contracts", ["deploy", "--network", "localhost"]);
    const seed = await step("Seeding the demo scene", ["run", "--network", "localhost", "scripts/seed.ts"]);
    console.log(`\n${seed.trim()}\n`);
  } catch (error) {
    console.error((error as Error).message);
    await stop(1);
  }

  console.log(`Portal: http://localhost:${PORTAL_PORT}  (connect with "Demo accounts" to act as anyone above)\n`);
  portal = spawn(process.execPath, [NEXT_BIN, "dev", "--port", String(PORTAL_PORT)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "inherit",
  });
  portal.on("exit", (code) => void stop(code ?? 0));
}

void main();
