// Rate limits as fixed-window counters, each key's window starting at its first request (so a burst is never split by
// a wall-clock boundary into two allowances): in this process's memory (PGlite, one process), or in PostgreSQL when
// DATABASE_URL is set, so every gateway process sharing the database counts together. Each check is O(1): one map
// entry per key in memory (a size cap evicts the oldest), one upsert in PostgreSQL.
import "server-only";
import type { Db } from "@/server/gateway/storage/db";

export type Limit = { allowed: true } | { allowed: false; retryAfter: number };

export interface RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /**
   * Counts one request against every key and allows it only if none is over the limit. Refused requests count too,
   * so a client that keeps hammering stays refused until its window ends. Retry-After is in whole seconds, at least 1.
   */
  take(keys: readonly string[], now?: number): Promise<Limit>;
}

const retryAfterOf = (windowEnd: number, now: number) => Math.max(1, Math.ceil((windowEnd - now) / 1000));

/** Enough for every client of a clinic network within one minute; about 100 bytes each. */
export const MAX_KEYS_IN_MEMORY = 100_000;

interface Counter {
  windowEnd: number;
  hits: number;
}

/**
 * Counters in a Map kept in order of window: a key whose window ended is deleted and re-inserted at the end with a
 * window from now, so the oldest windows are always at the front. Each take drops at most two expired counters from the front and, at
 * the size cap, the oldest counter (that key starts afresh: only ever in its favour).
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly counters = new Map<string, Counter>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxKeys = MAX_KEYS_IN_MEMORY,
  ) {}

  /** How many keys are held now (for tests: it never exceeds the cap). */
  get size(): number {
    return this.counters.size;
  }

  async take(keys: readonly string[], now = Date.now()): Promise<Limit> {
    return this.takeNow(keys, now);
  }

  /** The synchronous core of take. */
  takeNow(keys: readonly string[], now = Date.now()): Limit {
    let refusedUntil = 0;
    for (const key of keys) {
      let counter = this.counters.get(key);
      if (counter === undefined || counter.windowEnd <= now) {
        this.counters.delete(key);
        counter = { windowEnd: now + this.windowMs, hits: 0 };
        this.counters.set(key, counter);
      }
      counter.hits += 1;
      if (counter.hits > this.limit) refusedUntil = Math.max(refusedUntil, counter.windowEnd);
    }
    this.evict(now);
    return refusedUntil === 0 ? { allowed: true } : { allowed: false, retryAfter: retryAfterOf(refusedUntil, now) };
  }

  private evict(now: number) {
    for (let i = 0; i < 2; i++) {
      const first = this.counters.entries().next();
      if (first.done || first.value[1].windowEnd > now) break;
      this.counters.delete(first.value[0]);
    }
    while (this.counters.size > this.maxKeys) this.counters.delete(this.counters.keys().next().value as string);
  }
}

/** One chance in this many that a check also deletes the expired rows. */
const CLEANUP_ONE_IN = 200;

/** Counters in the rate_limits table (migration 4), shared by every process on the database. */
export class PgRateLimiter implements RateLimiter {
  constructor(
    private readonly db: Db,
    /** Prefixed to every key, so limiters with different limits never share a row. */
    private readonly name: string,
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  async take(keys: readonly string[], now = Date.now()): Promise<Limit> {
    // One statement for all keys: a row whose window ended starts a new one, from now, at 1.
    const rows = await this.db.query<{ hits: number | string; window_end: number | string }>(
      `INSERT INTO rate_limits (key, window_end, hits)
         SELECT k, $2::bigint, 1 FROM unnest($1::text[]) AS k
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.window_end > $3::bigint THEN rate_limits.hits + 1 ELSE 1 END,
         window_end = CASE WHEN rate_limits.window_end > $3::bigint THEN rate_limits.window_end ELSE EXCLUDED.window_end END
       RETURNING hits, window_end`,
      [[...new Set(keys)].map((key) => `${this.name}:${key}`), now + this.windowMs, now],
    );
    if (Math.random() * CLEANUP_ONE_IN < 1)
      await this.db.query("DELETE FROM rate_limits WHERE window_end <= $1", [now]);
    const refused = rows.filter((row) => Number(row.hits) > this.limit).map((row) => Number(row.window_end));
    return refused.length === 0
      ? { allowed: true }
      : { allowed: false, retryAfter: retryAfterOf(Math.max(...refused), now) };
  }
}

/** A limiter in PostgreSQL when the database is shared (DATABASE_URL), otherwise in this process's memory. */
export function createRateLimiter(db: Db, name: string, limit: number, windowMs: number): RateLimiter {
  return db.kind === "pg" ? new PgRateLimiter(db, name, limit, windowMs) : new MemoryRateLimiter(limit, windowMs);
}
