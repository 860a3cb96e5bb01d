// A throwaway PostgreSQL server for the gateway's test suite and benchmark: Debian's binaries
// (/usr/lib/postgresql/<version>/bin, from `apt-get install postgresql`), a fresh data folder in the temp directory,
// loopback only, trust authentication, no fsync. PostgreSQL refuses to run as root, so under root every server command
// runs as the `postgres` OS user (runuser) in a folder that user owns.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { freePort } from "./localNode";

const DEBIAN_POSTGRES_DIR = "/usr/lib/postgresql";
const SUPERUSER = "postgres";

export interface LocalPostgres {
  port: number;
  /** A connection URL for `database` (trust authentication, no password). */
  url(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(database: string): Promise<string>;
  /** Runs one statement against `database` and returns its rows (for assertions on what the gateway stored). */
  query<T extends Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server (immediate shutdown) and removes its data folder. */
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL bin folder, or POSTGRES_BIN_DIR; a plain-words error when none is installed. */
export function findPostgresBin(): string {
  const override = process.env.POSTGRES_BIN_DIR;
  if (override) {
    if (!existsSync(path.join(override, "initdb"))) throw new Error(`POSTGRES_BIN_DIR=${override} has no initdb.`);
    return override;
  }
  const versions = existsSync(DEBIAN_POSTGRES_DIR)
    ? readdirSync(DEBIAN_POSTGRES_DIR)
        .filter((name) => /^\d+$/.test(name) && existsSync(path.join(DEBIAN_POSTGRES_DIR, name, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `No PostgreSQL server found under ${DEBIAN_POSTGRES_DIR}/<version>/bin. Install it ` +
        `(apt-get install -y postgresql) or set POSTGRES_BIN_DIR.`,
    );
  }
  return path.join(DEBIAN_POSTGRES_DIR, versions[0], "bin");
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the `postgres` OS user when we are root; throws with its output on failure. */
function runPostgresProgram(bin: string, program: string, args: string[]): void {
  const [command, commandArgs] = isRoot()
    ? ["runuser", ["-u", SUPERUSER, "--", path.join(bin, program), ...args]]
    : [path.join(bin, program), args];
  const result = spawnSync(command, commandArgs, { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  if (result.status !== 0) {
    throw new Error(`${program} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

export async function startPostgres(): Promise<LocalPostgres> {
  const bin = findPostgresBin();
  const root = mkdtempSync(path.join(tmpdir(), "medconsent-postgres-"));
  if (isRoot()) {
    const uid = Number(execFileSync("id", ["-u", SUPERUSER], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", SUPERUSER], { encoding: "utf8" }).trim());
    chownSync(root, uid, gid);
  }
  const dataDir = path.join(root, "data");
  const logFile = path.join(root, "server.log");
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      try {
        runPostgresProgram(bin, "pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already gone; the folder is removed either way
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    runPostgresProgram(bin, "initdb", ["-D", dataDir, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync"]);
    // The socket goes into our own folder: /var/run/postgresql may not exist or not be writable.
    const options = `-p ${port} -h 127.0.0.1 -k ${root} -F -c max_connections=100`;
    try {
      runPostgresProgram(bin, "pg_ctl", ["-D", dataDir, "-l", logFile, "-w", "-t", "60", "-o", options, "start"]);
    } catch (error) {
      const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
      throw new Error(`${(error as Error).message}\n${log}`);
    }
    started = true;
  } catch (error) {
    await stop();
    throw error;
  }

  const url = (database: string) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const query = async <T extends Record<string, unknown>>(database: string, sql: string, params: unknown[] = []) => {
    const client = new Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    query,
    async createDatabase(database) {
      if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`Not a plain database name: ${database}`);
      await query("postgres", `CREATE DATABASE ${database}`);
      return url(database);
    },
    stop,
  };
}
