// The gateway's database: one small interface over PGlite (embedded Postgres in a data folder, the default) and a pg
// Pool (DATABASE_URL). Both speak the same SQL with $1 parameters; bytea columns come back as Uint8Array (pg gives a
// Buffer, which is one). int8 columns come back as number (PGlite) or string (pg): read them with Number()/BigInt().
import "server-only";
import { mkdirSync } from "node:fs";
import path from "node:path";

export interface Queryable {
  query<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: "pglite" | "pg";
  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function openPglite(dataDir: string): Promise<Db> {
  const dir = path.join(/*turbopackIgnore: true*/ dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  // PGlite is ESM-only; it is listed in next.config's serverExternalPackages, so Node loads it as it is.
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create(dir);
  return {
    kind: "pglite",
    async query<T extends object>(sql: string, params: unknown[] = []) {
      return (await pglite.query<T>(sql, params)).rows;
    },
    transaction<T>(work: (tx: Queryable) => Promise<T>) {
      return pglite.transaction((tx) =>
        work({
          query: async <R extends object>(sql: string, params: unknown[] = []) => (await tx.query<R>(sql, params)).rows,
        }),
      );
    },
    close: () => pglite.close(),
  };
}

async function openPgPool(connectionString: string): Promise<Db> {
  const { Pool } = await import("pg");
  const pool = new Pool({ connectionString, max: 10 });
  // An idle client's network error must not crash the server; the next query reconnects.
  pool.on("error", (error) => console.error("gateway: postgres connection error:", error.message));
  return {
    kind: "pg",
    async query<T extends object>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work({
          query: async <R extends object>(sql: string, params: unknown[] = []) =>
            (await client.query(sql, params)).rows as R[],
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** A pg Pool when `databaseUrl` is set, otherwise PGlite in `<dataDir>/pglite` (one instance per process). */
export function openDb(options: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  return options.databaseUrl !== undefined ? openPgPool(options.databaseUrl) : openPglite(options.dataDir);
}
