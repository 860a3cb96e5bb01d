// The stack the end-to-end suite runs against: a real `hardhat node` (own port), the contracts deployed with the
// testnet command, the portal's production build (`next build` + `next start`), and the demo scene seeded through its
// gateway as `npm run dev` does (records uploaded, the escrow key published, Alice's routine records ready for
// emergencies).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  PROJECT_ROOT,
  cleanEnv,
  customNetworkEnv,
  freePort,
  preserveLocalDeployment,
  runHardhat,
  startLocalNode,
  type LocalNode,
} from "./localNode";
import { NEXT_BIN, runNext, waitForHttp } from "./nextServer";

export const E2E_DIST_DIR = ".next-e2e";

export interface PortalStack {
  chain: LocalNode;
  portalUrl: string;
  /** The gateway's fresh data folder (blobs and embedded Postgres), removed on stop. */
  gatewayDataDir: string;
  stop(): Promise<void>;
}

/** `distDir` lets a benchmark build beside the browser suite without sharing its build folder. */
export async function startPortalStack(options: { distDir?: string } = {}): Promise<PortalStack> {
  const preserved = preserveLocalDeployment();
  const chain = await startLocalNode();
  const gatewayDataDir = mkdtempSync(path.join(tmpdir(), "medconsent-gateway-"));
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill();
      await exited;
    }
    await chain.stop();
    preserved.restore();
    rmSync(gatewayDataDir, { recursive: true, force: true });
  };
  try {
    const hardhat = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const result = await runHardhat(args, {
        env: { ...customNetworkEnv(chain.url), ...extraEnv },
        timeoutMs: 180_000,
      });
      if (result.code !== 0) throw new Error(`${result.command} failed:\n${result.output}`);
    };
    await hardhat(["deploy", "--network", "custom"]);
    const env = cleanEnv({
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: options.distDir ?? E2E_DIST_DIR,
      NEXT_PUBLIC_CHAIN_ID: "31337",
      NEXT_PUBLIC_RPC_URL: chain.url,
    });
    // NEXT_PUBLIC_* (the RPC URL) are inlined at build time, so the build is made for this node.
    await runNext(["build"], env, 600_000);
    const port = await freePort();
    const portalUrl = `http://127.0.0.1:${port}`;
    // The gateway's settings are read by the server at run time: its public origin (the SIWE domain and the
    // cross-origin check), a fresh data folder, anchoring only on demand, and the chain it asks about access.
    const gatewayEnv = {
      ...env,
      GATEWAY_ORIGIN: portalUrl,
      GATEWAY_DATA_DIR: gatewayDataDir,
      ANCHOR_INTERVAL_SECONDS: "0",
      GATEWAY_RPC_URL: chain.url,
    };
    server = spawn(process.execPath, [NEXT_BIN, "start", "--port", String(port), "--hostname", "127.0.0.1"], {
      cwd: PROJECT_ROOT,
      env: gatewayEnv,
      stdio: "ignore",
    });
    await waitForHttp(portalUrl, server, { tries: 300 });
    await hardhat(["run", "--network", "custom", "scripts/seed.ts"], { GATEWAY_URL: portalUrl });
    return { chain, portalUrl, gatewayDataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
