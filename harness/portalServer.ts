// The stack the end-to-end suite runs against: a real `hardhat node` (own port), the contracts deployed with the
// testnet command, the indexer on that chain, the portal's production build (`next build` + `next start`) reading
// it, and the demo scene seeded through its gateway as `npm run dev` does (records uploaded, the escrow key published,
// Alice's routine records ready for emergencies).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address } from "viem";
import type { MedConsentContractName } from "@/lib/contracts/deployedContracts";
import { startIndexer, type IndexerProcess } from "./indexer";
import {
  PROJECT_ROOT,
  cleanEnv,
  customNetworkEnv,
  freePort,
  preserveLocalDeployment,
  readBindings,
  rpc,
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
  /** The indexer the portal reads (its PGlite in a temp folder), following the chain through `indexerGate`. */
  indexer: IndexerProcess;
  indexerGate: ChainGate;
  /** Where the suite's deployment put each contract (the bindings are rewritten for it until stop). */
  addresses: Record<MedConsentContractName, Address>;
  stop(): Promise<void>;
}

const CONTRACT_NAMES: MedConsentContractName[] = [
  "ProviderRegistry",
  "ConsentRegistry",
  "RecordRegistry",
  "KeyDirectory",
  "DisclosureLog",
];

/**
 * The addresses in the bindings file as the deployment just wrote it, read from its text: this process may have
 * loaded the module before the deployment rewrote it.
 */
function deployedAddresses(): Record<MedConsentContractName, Address> {
  const text = readBindings();
  const entries = CONTRACT_NAMES.map((name) => {
    const match = new RegExp(`${name}: \\{\\s*address: "(0x[0-9a-fA-F]{40})"`).exec(text);
    if (match === null) throw new Error(`No address of ${name} in the bindings after deploying.`);
    return [name, match[1] as Address] as const;
  });
  return Object.fromEntries(entries) as Record<MedConsentContractName, Address>;
}

/**
 * A JSON-RPC proxy between the indexer and the chain that can hold the chain's head where it is: while held, the
 * indexer sees no block after it (the latest block, eth_blockNumber and log ranges stop there) although the chain goes
 * on, so the portal's indexer is deterministically behind. Released, it passes everything through and the indexer
 * catches up.
 */
export interface ChainGate {
  url: string;
  /** Holds the head at the chain's current block; resolves with it. */
  hold(): Promise<bigint>;
  release(): void;
  close(): Promise<void>;
}

type RpcCall = { jsonrpc: "2.0"; id: unknown; method: string; params?: unknown[] };

export async function startChainGate(chainUrl: string): Promise<ChainGate> {
  let heldAt: bigint | undefined;
  const forward = async (body: unknown) =>
    (
      await fetch(chainUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json();
  const held = (call: RpcCall): RpcCall => {
    const at = heldAt;
    if (at === undefined) return call;
    const head = `0x${at.toString(16)}`;
    const params = call.params ?? [];
    // A tag ("latest", "safe"…) or a number past the held head means the held head.
    const pastHead = (block: unknown) => typeof block !== "string" || !block.startsWith("0x") || BigInt(block) > at;
    if (call.method === "eth_getBlockByNumber" && pastHead(params[0])) {
      return { ...call, params: [head, ...params.slice(1)] };
    }
    if (call.method === "eth_getLogs") {
      // A filter by blockHash names a block the indexer already saw: passed through.
      const filter = params[0] as { toBlock?: string; blockHash?: string };
      if (filter.blockHash !== undefined) return call;
      if (pastHead(filter.toBlock)) {
        return { ...call, params: [{ ...filter, toBlock: head }] };
      }
    }
    return call;
  };
  const answer = async (call: RpcCall) =>
    heldAt !== undefined && call.method === "eth_blockNumber"
      ? { jsonrpc: "2.0", id: call.id, result: `0x${heldAt.toString(16)}` }
      : forward(held(call));

  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", async () => {
      try {
        const body = JSON.parse(text) as RpcCall | RpcCall[];
        const result = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body);
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
      } catch (error) {
        response.writeHead(502).end(String(error));
      }
    });
  });
  // Longer than the indexer's HTTP client keeps an idle connection, so it never sends on a socket the gate just closed
  // ("other side closed" on Node's default of 5 s).
  server.keepAliveTimeout = 120_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    async hold() {
      heldAt = BigInt((await forward({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" })).result as string);
      return heldAt;
    },
    release: () => (heldAt = undefined),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface PortalStackOptions {
  /** Lets a benchmark build beside the browser suite without sharing its build folder. */
  distDir?: string;
  /**
   * Empty blocks mined after deploying, before the indexer starts (hardhat_mine; NOTES in indexer/): a chain that has
   * run for a while, so a log scan has many windows to read.
   */
  history?: number;
  /**
   * The host name in the portal's URL (the server still listens on 127.0.0.1). WebAuthn refuses IP addresses as its
   * relying party, so the passkey suite uses "localhost".
   */
  portalHost?: "127.0.0.1" | "localhost";
}

export async function startPortalStack(options: PortalStackOptions = {}): Promise<PortalStack> {
  const preserved = preserveLocalDeployment();
  const chain = await startLocalNode();
  const gatewayDataDir = mkdtempSync(path.join(tmpdir(), "medconsent-gateway-"));
  const indexerDataDir = mkdtempSync(path.join(tmpdir(), "medconsent-indexer-"));
  let server: ChildProcess | undefined;
  let indexerGate: ChainGate | undefined;
  let indexerStarting: Promise<IndexerProcess> | undefined;
  const stop = async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill();
      await exited;
    }
    await (await indexerStarting?.catch(() => undefined))?.stop();
    await indexerGate?.close();
    await chain.stop();
    preserved.restore();
    rmSync(gatewayDataDir, { recursive: true, force: true });
    rmSync(indexerDataDir, { recursive: true, force: true });
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
    const addresses = deployedAddresses();
    if (options.history) await rpc(chain.url, "hardhat_mine", [`0x${options.history.toString(16)}`]);
    // The indexer backfills while the portal builds; it reads the deployment the bindings now hold.
    indexerGate = await startChainGate(chain.url);
    const indexerPort = await freePort();
    indexerStarting = startIndexer({ rpcUrl: indexerGate.url, port: indexerPort, dataDir: indexerDataDir });
    indexerStarting.catch(() => {}); // awaited after the build
    const indexerUrl = `http://127.0.0.1:${indexerPort}`;
    const env = cleanEnv({
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: options.distDir ?? E2E_DIST_DIR,
      NEXT_PUBLIC_CHAIN_ID: "31337",
      NEXT_PUBLIC_RPC_URL: chain.url,
      NEXT_PUBLIC_INDEXER_URL: indexerUrl,
    });
    // NEXT_PUBLIC_* (the RPC and indexer URLs) are inlined at build time, so the build is made for this stack.
    await runNext(["build"], env, 600_000);
    const indexer = await indexerStarting;
    const port = await freePort();
    const portalUrl = `http://${options.portalHost ?? "127.0.0.1"}:${port}`;
    // The gateway's settings are read by the server at run time: its public origin (the SIWE domain and the
    // cross-origin check), a fresh data folder, anchoring only on demand, and the chain it asks about access. Every
    // browser test's passkey account comes from one address (127.0.0.1), so the per-address deployment cap is lifted.
    const gatewayEnv = {
      ...env,
      GATEWAY_ORIGIN: portalUrl,
      GATEWAY_DATA_DIR: gatewayDataDir,
      ANCHOR_INTERVAL_SECONDS: "0",
      GATEWAY_RPC_URL: chain.url,
      INDEXER_URL: indexerUrl,
      RELAY_DAILY_DEPLOYMENTS_PER_IP: "1000000",
    };
    server = spawn(process.execPath, [NEXT_BIN, "start", "--port", String(port), "--hostname", "127.0.0.1"], {
      cwd: PROJECT_ROOT,
      env: gatewayEnv,
      stdio: "ignore",
    });
    await waitForHttp(portalUrl, server, { tries: 300 });
    await hardhat(["run", "--network", "custom", "scripts/seed.ts"], { GATEWAY_URL: portalUrl });
    return { chain, portalUrl, gatewayDataDir, indexer, indexerGate, addresses, stop };
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
