// Starting the Ponder indexer (indexer/) as a separate process, for `npm run dev`, the suites and the benchmarks:
// `ponder start` indexes and serves; `ponder serve` only serves, from a PostgreSQL another process indexes into.
import { spawn } from "node:child_process";
import path from "node:path";
import { freePort, LOCAL_CHAIN_ID, PROJECT_ROOT, stripAnsi } from "./localNode";

export const INDEXER_DIR = path.join(PROJECT_ROOT, "indexer");
const PONDER_BIN = path.join(PROJECT_ROOT, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");
/** The database schema the indexer's tables live in (one per deployment on a shared PostgreSQL). */
export const INDEXER_SCHEMA = "medconsent";

export interface IndexerOptions {
  rpcUrl: string;
  chainId?: number;
  port?: number;
  /** PGlite's folder (embedded default); ignored with `databaseUrl`. */
  dataDir?: string;
  /** PostgreSQL instead of PGlite. */
  databaseUrl?: string;
  /** `ponder serve`: answer queries from `databaseUrl` without indexing (needs a `ponder start` on it). */
  serveOnly?: boolean;
  /** How long to wait for /ready (the backfill done), in milliseconds. */
  readyTimeoutMs?: number;
}

export interface IndexerProcess {
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export async function startIndexer(options: IndexerOptions): Promise<IndexerProcess> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    MEDCONSENT_RPC_URL: options.rpcUrl,
    MEDCONSENT_CHAIN_ID: String(options.chainId ?? LOCAL_CHAIN_ID),
    INDEXER_DATA_DIR: options.dataDir ?? path.join(PROJECT_ROOT, ".data", "indexer"),
  };
  if (options.databaseUrl !== undefined) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const command = options.serveOnly ? "serve" : "start";
  const child = spawn(
    process.execPath,
    [PONDER_BIN, command, "--schema", INDEXER_SCHEMA, "--port", String(port), "--hostname", "127.0.0.1"],
    { cwd: INDEXER_DIR, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let printed = "";
  child.stdout!.on("data", (chunk: Buffer) => (printed += stripAnsi(chunk.toString())));
  child.stderr!.on("data", (chunk: Buffer) => (printed += stripAnsi(chunk.toString())));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    }
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  // `serve` has no backfill of its own: it is ready when it answers.
  const readyPath = options.serveOnly ? "/health" : "/ready";
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The indexer (ponder ${command}) exited before it was ready:\n${printed}`);
    }
    try {
      if ((await fetch(`${url}${readyPath}`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The indexer was not ready on ${url} in time:\n${printed}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, pid: child.pid!, output: () => printed, stop };
}
