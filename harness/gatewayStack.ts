// The stack the gateway suites run against: a real `hardhat node` (own port) with the contracts deployed by the testnet
// command, the gateway account (#19) holding GATEWAY_ROLE, and the portal's production build (`next build` into
// .next-gateway, once per process) served by `next start` on loopback. The storage backend is chosen by
// GATEWAY_TEST_BACKEND: "default" (PGlite + blob folder), "postgres" (a throwaway Debian PostgreSQL), "s3" (s3rver in
// this process) or "postgres+s3".
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { keccak256, toHex } from "viem";
import { startIndexer, type IndexerProcess } from "./indexer";
import { startPostgres, type LocalPostgres } from "./postgres";
import { startS3Server, type LocalS3 } from "./s3Server";
import {
  PROJECT_ROOT,
  cleanEnv,
  customNetworkEnv,
  freePort,
  hardhatAccount,
  preserveLocalDeployment,
  rpc,
  runHardhat,
  startLocalNode,
  type LocalNode,
} from "./localNode";
import { guardTsconfig, NEXT_BIN, runNext, waitForHttp } from "./nextServer";
import { MedConsentChain } from "./medConsentChain";

export const GATEWAY_DIST_DIR = ".next-gateway";
export const GATEWAY_ACCOUNT_INDEX = 19;
/** The blob size limit the suites run with, small so the 413 tests stay fast. */
export const TEST_MAX_BLOB_BYTES = 1024 * 1024;
const DATABASE = "medconsent_test";
const BUCKET = "medconsent-test";
/** Variables of this process that must never reach a gateway started for a different backend. */
const BACKEND_VARIABLES = [
  "DATABASE_URL",
  "BLOB_STORE",
  "S3_ENDPOINT",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_PROFILE",
  "GATEWAY_PRIVATE_KEY",
  "INDEXER_URL",
];

export const BACKENDS = ["default", "postgres", "s3", "postgres+s3"] as const;
export type GatewayBackend = (typeof BACKENDS)[number];

/** GATEWAY_TEST_BACKEND, validated: a typo must not silently test the defaults. */
export function selectedBackend(): GatewayBackend {
  const value = process.env.GATEWAY_TEST_BACKEND ?? "default";
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new Error(`GATEWAY_TEST_BACKEND must be one of ${BACKENDS.join(", ")}, not "${value}".`);
  }
  return value as GatewayBackend;
}

const usesPostgres = (backend: GatewayBackend) => backend === "postgres" || backend === "postgres+s3";
const usesS3 = (backend: GatewayBackend) => backend === "s3" || backend === "postgres+s3";

// ---- next build, once per process --------------------------------------------------------------------------------

/** The environment `next build` and `next start` share: NEXT_PUBLIC_* are inlined at build time. */
function nextEnv(distDir: string, rpcUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv({
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: distDir,
    NEXT_PUBLIC_CHAIN_ID: "31337",
    NEXT_PUBLIC_RPC_URL: rpcUrl,
  });
  for (const name of BACKEND_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

const builds = new Map<string, Promise<void>>();

/**
 * `next build` into `distDir`, once per process. With GATEWAY_TEST_REUSE_BUILD=1 an existing build (a BUILD_ID) is
 * used as it is; the gateway reads its chain URL at run time (GATEWAY_RPC_URL), so a build serves any node.
 */
export function buildPortalOnce(distDir: string, rpcUrl: string): Promise<void> {
  let build = builds.get(distDir);
  if (build === undefined) {
    build = (async () => {
      if (process.env.GATEWAY_TEST_REUSE_BUILD === "1" && existsSync(path.join(PROJECT_ROOT, distDir, "BUILD_ID"))) {
        return;
      }
      const restoreTsconfig = guardTsconfig(distDir);
      try {
        await runNext(["build"], nextEnv(distDir, rpcUrl), 900_000);
      } finally {
        restoreTsconfig();
      }
    })();
    builds.set(distDir, build);
  }
  return build;
}

// ---- one gateway server process ----------------------------------------------------------------------------------

export interface GatewayServer {
  /** The origin the server runs on, which is also its GATEWAY_ORIGIN. */
  url: string;
  pid: number;
  dataDir: string;
  /** Everything the server printed so far (stdout and stderr), for diagnosing a failure. */
  output(): string;
  /** Every blob the server's store holds now (file names in the blob folder, or object keys in the bucket). */
  storedBlobs(): Promise<string[]>;
  /** The server's PostgreSQL connection string (postgres backends only): another server given it shares the database. */
  databaseUrl?: string;
  /** The server's own PostgreSQL database (postgres backends only): run a statement and return the rows. */
  query?: <T extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;
  stop(): Promise<void>;
  /** A crash: SIGKILL to the server's process group, no chance to finish anything. */
  kill(): Promise<void>;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** Stops a process group we started: SIGTERM, then SIGKILL after 10 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), 10_000)));
  if ((await Promise.race([exited, timeout])) === "timeout") {
    signal("SIGKILL");
    await exited;
  }
  clearTimeout(timer);
}

// ---- the stack -----------------------------------------------------------------------------------------------------

export interface GatewayStackOptions {
  /** Extra environment for the main server (e.g. lower limits). */
  serverEnv?: Record<string, string>;
  /** Build folder (the benchmark uses its own). */
  distDir?: string;
  /** Start the indexer (indexer/, on its own PGlite folder) on the stack's node and give the servers INDEXER_URL. */
  indexer?: boolean;
}

export interface GatewayStack {
  backend: GatewayBackend;
  chain: LocalNode;
  contracts: MedConsentChain;
  /** The main gateway server. */
  server: GatewayServer;
  /** The main server's origin (GATEWAY_ORIGIN). */
  url: string;
  /**
   * Another server on the same build and chain, with its own data folder, database and bucket (or those of
   * `options.sameDataAs`: a restart after a crash, or a second process behind a load balancer), and `env` on top of
   * the main server's environment.
   */
  startServer(env?: Record<string, string>, options?: { sameDataAs?: GatewayServer }): Promise<GatewayServer>;
  /** The indexer the servers list from (with `options.indexer`). */
  indexer?: IndexerProcess;
  stop(): Promise<void>;
}

export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const backend = selectedBackend();
  const distDir = options.distDir ?? GATEWAY_DIST_DIR;
  const root = mkdtempSync(path.join(tmpdir(), "medconsent-gateway-"));
  const preserved = preserveLocalDeployment();
  const servers: GatewayServer[] = [];
  let chain: LocalNode | undefined;
  let postgres: LocalPostgres | undefined;
  let s3: LocalS3 | undefined;
  let indexer: IndexerProcess | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const server of servers) await server.stop();
    await indexer?.stop();
    await chain?.stop();
    await postgres?.stop();
    await s3?.stop();
    preserved.restore();
    if (process.env.GATEWAY_TEST_KEEP_LOGS === "1") console.log(`    gateway logs kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };

  try {
    const [node, pg, store] = await Promise.all([
      startLocalNode(),
      usesPostgres(backend) ? startPostgres() : undefined,
      usesS3(backend) ? startS3Server([BUCKET]) : undefined,
    ]);
    chain = node;
    postgres = pg;
    s3 = store;
    // The node logs every request it serves, which costs it more than the requests themselves.
    await rpc(chain.url, "hardhat_setLoggingEnabled", [false]);

    const deploy = await runHardhat(["deploy", "--network", "custom"], {
      env: customNetworkEnv(chain.url),
      timeoutMs: 180_000,
    });
    if (deploy.code !== 0) throw new Error(`${deploy.command} failed:\n${deploy.output}`);
    const contracts = await MedConsentChain.connect(chain.url);
    await contracts.grantGatewayRole(hardhatAccount(GATEWAY_ACCOUNT_INDEX).address);

    const [, startedIndexer] = await Promise.all([
      buildPortalOnce(distDir, chain.url),
      options.indexer ? startIndexer({ rpcUrl: chain.url, dataDir: path.join(root, "indexer") }) : undefined,
    ]);
    indexer = startedIndexer;
    const indexerEnv: Record<string, string> = indexer === undefined ? {} : { INDEXER_URL: indexer.url };

    const chainUrl = chain.url;
    let serverCount = 0;
    const stores = new Map<
      GatewayServer,
      { dataDir: string; database: string; bucket: string; databaseUrl?: string }
    >();
    const startServer = async (
      env: Record<string, string> = {},
      { sameDataAs }: { sameDataAs?: GatewayServer } = {},
    ): Promise<GatewayServer> => {
      const index = serverCount++;
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const shared = sameDataAs === undefined ? undefined : stores.get(sameDataAs);
      const dataDir = shared?.dataDir ?? path.join(root, `server-${index}`);
      const database = shared?.database ?? (index === 0 ? DATABASE : `${DATABASE}_${index}`);
      const bucket = shared?.bucket ?? (index === 0 ? BUCKET : `${BUCKET}-${index}`);
      const backendEnv: Record<string, string> = {};
      let query: GatewayServer["query"];
      if (postgres) {
        backendEnv.DATABASE_URL = shared?.databaseUrl ?? (await postgres.createDatabase(database));
        const pgServer = postgres;
        query = (sql, params) => pgServer.query(database, sql, params);
      }
      if (s3) {
        if (index > 0 && shared === undefined) await s3.createBucket(bucket);
        Object.assign(backendEnv, s3.env(bucket));
      }
      const serverEnv = nextEnv(distDir, chainUrl, {
        GATEWAY_ORIGIN: url,
        GATEWAY_RPC_URL: chainUrl,
        GATEWAY_DATA_DIR: dataDir,
        GATEWAY_MAX_BLOB_BYTES: String(TEST_MAX_BLOB_BYTES),
        ANCHOR_INTERVAL_SECONDS: "0",
        // The suites sign in and read far more often than a person would; limits.ts lowers these on its own server.
        GATEWAY_RATE_LIMIT: "1000000",
        GATEWAY_AUTH_RATE_LIMIT: "1000000",
        // Every suite's client is one address (127.0.0.1) setting up more passkey accounts than a household would;
        // accounts.test.ts lowers this on its own server.
        RELAY_DAILY_DEPLOYMENTS_PER_IP: "1000000",
        ...backendEnv,
        ...indexerEnv,
        ...options.serverEnv,
        ...env,
      });
      const logPath = path.join(root, `server-${index}.log`);
      const log = createWriteStream(logPath);
      let output = "";
      const child = spawn(process.execPath, [NEXT_BIN, "start", "--port", String(port), "--hostname", "127.0.0.1"], {
        cwd: PROJECT_ROOT,
        env: serverEnv,
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group, so stopping it reaches any worker it forks.
        detached: true,
      });
      const onOutput = (chunk: Buffer) => {
        log.write(chunk);
        if (output.length < 2_000_000) output += chunk.toString();
      };
      child.stdout!.on("data", onOutput);
      child.stderr!.on("data", onOutput);
      const killOnExit = () => {
        if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      };
      process.once("exit", killOnExit);
      const s3Store = s3;
      const server: GatewayServer = {
        url,
        pid: child.pid!,
        dataDir,
        output: () => output,
        storedBlobs: async () => (s3Store ? s3Store.listKeys(bucket) : listFiles(path.join(dataDir, "blobs"))),
        databaseUrl: serverEnv.DATABASE_URL,
        query,
        async stop() {
          process.off("exit", killOnExit);
          await stopProcess(child);
          log.end();
        },
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
          process.kill(-child.pid!, "SIGKILL");
          await exited;
          process.off("exit", killOnExit);
          log.end();
        },
      };
      stores.set(server, { dataDir, database, bucket, databaseUrl: backendEnv.DATABASE_URL });
      servers.push(server);
      // A static file: answering it touches neither the gateway's database nor its rate limits.
      await waitForHttp(`${url}/icon.svg`, child, { tries: 600, output: () => output });
      return server;
    };

    const server = await startServer();
    return { backend, chain, contracts, server, url: server.url, startServer, indexer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A fixed, recognisable 32-byte value for a label (credential hashes, fake content hashes). */
export const labelHash = (label: string) => keccak256(toHex(`medconsent gateway test: ${label}`));
