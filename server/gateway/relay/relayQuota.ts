// The gas-free relay's daily quotas, counted in the database (relay_usage, migration 4) so they survive restarts and
// are shared by every gateway process: relays per patient account, relays for everyone, and gas for everyone, per
// UTC day. A relay reserves its share before it is sent; a refusal is 429 with Retry-After until the day rolls over.
import "server-only";
import type { RelayQuota } from "@/server/gateway/config";
import type { Db, Queryable } from "@/server/gateway/storage/db";
import { GatewayError } from "@/server/gateway/http/errors";

export const DAY_MS = 86_400_000;
/** The relay_usage row that counts all accounts together. */
const EVERYONE = "*";
/** The relay_usage row that counts sponsored passkey-account deployments for everyone (its gas is in EVERYONE's). */
const DEPLOYMENTS = "*deployments";

/** A relayed consent change or account execution, or a sponsored account deployment (which has its own daily cap). */
export type RelayKind = "relay" | "deployment";
/** Days of usage kept (for the operator's own look back); older rows are deleted now and then. */
const KEEP_DAYS = 31;

export const utcDayOf = (now: number) => Math.floor(now / DAY_MS);

/** Whole seconds until the next UTC midnight, at least 1. */
export const secondsUntilNextUtcDay = (now: number) =>
  Math.max(1, Math.ceil(((utcDayOf(now) + 1) * DAY_MS - now) / 1000));

export interface RelayUsage {
  /** This account's relays today. */
  accountRelays: number;
  /** Everyone's relays today. */
  totalRelays: number;
  /** Everyone's gas today. */
  totalGas: number;
  /** Everyone's sponsored account deployments today. */
  deployments: number;
}

const NO_FEE_ALTERNATIVE = "You can still send it from your own wallet (you pay the network fee)";

/** Which quota one more relay of `gas` would break, in plain words; undefined when it fits. */
export function quotaProblem(
  quota: RelayQuota,
  usage: RelayUsage,
  gas = 0,
  kind: RelayKind = "relay",
): string | undefined {
  if (kind === "deployment" && usage.deployments >= quota.deployments) {
    return (
      `The gateway has set up today's ${quota.deployments} new passkey accounts. Try again after midnight UTC (your ` +
      "account's address is already yours: consents can be granted to it before it is set up)."
    );
  }
  if (usage.accountRelays >= quota.perAccount) {
    return (
      `You have used today's ${quota.perAccount} gas-free changes. ${NO_FEE_ALTERNATIVE}, or use the gas-free way ` +
      "again after midnight UTC."
    );
  }
  if (usage.totalRelays >= quota.total) {
    return (
      `The gas-free relay has sent today's ${quota.total} changes for everyone. ${NO_FEE_ALTERNATIVE}, or try the ` +
      "gas-free way again after midnight UTC."
    );
  }
  if (usage.totalGas + gas > quota.gasBudget) {
    return (
      `The gas-free relay has spent today's gas budget. ${NO_FEE_ALTERNATIVE}, or try the gas-free way again after ` +
      "midnight UTC."
    );
  }
  return undefined;
}

function refuse(message: string, now: number): GatewayError {
  return new GatewayError(429, "relay_quota_exceeded", message, {
    headers: { "Retry-After": String(secondsUntilNextUtcDay(now)) },
  });
}

async function usageOf(db: Queryable, day: number, account: string, lock: boolean): Promise<RelayUsage> {
  const rows = await db.query<{ account: string; relays: number | string; gas: number | string }>(
    `SELECT account, relays, gas FROM relay_usage WHERE day = $1 AND account IN ($2, $3, $4)${lock ? " FOR UPDATE" : ""}`,
    [day, EVERYONE, account, DEPLOYMENTS],
  );
  const row = (name: string) => rows.find((r) => r.account === name);
  return {
    accountRelays: Number(row(account)?.relays ?? 0),
    totalRelays: Number(row(EVERYONE)?.relays ?? 0),
    totalGas: Number(row(EVERYONE)?.gas ?? 0),
    deployments: Number(row(DEPLOYMENTS)?.relays ?? 0),
  };
}

/** Refuses (429) an account or a day that has no relay left, before the chain is asked anything. */
export async function checkRelayQuota(
  db: Db,
  quota: RelayQuota,
  account: string,
  now = Date.now(),
  kind: RelayKind = "relay",
): Promise<void> {
  const problem = quotaProblem(quota, await usageOf(db, utcDayOf(now), account, false), 0, kind);
  if (problem !== undefined) throw refuse(problem, now);
}

/**
 * Counts one relay of `gas` for `account` if every quota allows it; 429 otherwise, counting nothing. The row for
 * everyone is locked first, so reservations from every process happen one at a time and never overshoot.
 */
export async function reserveRelay(
  db: Db,
  quota: RelayQuota,
  account: string,
  gas: number,
  now = Date.now(),
  kind: RelayKind = "relay",
): Promise<{ day: number }> {
  const day = utcDayOf(now);
  await db.transaction(async (tx) => {
    await tx.query(
      "INSERT INTO relay_usage (day, account, relays, gas) VALUES ($1, $2, 0, 0), ($1, $3, 0, 0), ($1, $4, 0, 0) " +
        "ON CONFLICT DO NOTHING",
      [day, EVERYONE, account, DEPLOYMENTS],
    );
    await tx.query("SELECT 1 FROM relay_usage WHERE day = $1 AND account = $2 FOR UPDATE", [day, EVERYONE]);
    const problem = quotaProblem(quota, await usageOf(tx, day, account, true), gas, kind);
    if (problem !== undefined) throw refuse(problem, now);
    await tx.query(
      "UPDATE relay_usage SET relays = relays + 1, gas = gas + $4 WHERE day = $1 AND account IN ($2, $3)",
      [day, EVERYONE, account, gas],
    );
    if (kind === "deployment") {
      await tx.query("UPDATE relay_usage SET relays = relays + 1 WHERE day = $1 AND account = $2", [day, DEPLOYMENTS]);
    }
  });
  if (Math.random() < 0.01) await db.query("DELETE FROM relay_usage WHERE day < $1", [day - KEEP_DAYS]);
  return { day };
}

/** Gives back a reservation whose transaction the node refused (so it was never sent). */
export async function releaseRelay(
  db: Db,
  account: string,
  gas: number,
  day: number,
  kind: RelayKind = "relay",
): Promise<void> {
  await db.query("UPDATE relay_usage SET relays = relays - 1, gas = gas - $4 WHERE day = $1 AND account IN ($2, $3)", [
    day,
    EVERYONE,
    account,
    gas,
  ]);
  if (kind === "deployment") {
    await db.query("UPDATE relay_usage SET relays = relays - 1 WHERE day = $1 AND account = $2", [day, DEPLOYMENTS]);
  }
}
