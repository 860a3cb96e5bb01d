// The gas-free relay's daily quotas, counted in the database (relay_usage, migration 4) so they survive restarts and
// are shared by every gateway process: relays per patient account, relays for everyone, gas for everyone, and
// sponsored deployments for everyone and per client address, per UTC day. A relay reserves its share before it is
// sent; a refusal is 429 with Retry-After until the day rolls over.
import "server-only";
import { createHmac } from "node:crypto";
import type { RelayQuota } from "@/server/gateway/config";
import type { Db, Queryable } from "@/server/gateway/storage/db";
import { GatewayError } from "@/server/gateway/http/errors";

export const DAY_MS = 86_400_000;
/** The relay_usage row that counts all accounts together. */
const EVERYONE = "*";
/** The relay_usage row that counts sponsored passkey-account deployments for everyone (its gas is in EVERYONE's). */
const DEPLOYMENTS = "*deployments";

/**
 * The relay_usage rows that count one client address's sponsored deployments: this prefix and the address's keyed
 * hash (deploymentClientOf). Never an account: checksummed addresses do not start with "*".
 */
const CLIENT_DEPLOYMENTS = "*deployments-ip:";

/** A relayed consent change or account execution, or a sponsored account deployment (which has its own daily caps). */
export type RelayKind = "relay" | "deployment";

/**
 * What one sponsored transaction counts against besides its account's and everyone's quotas: a deployment also
 * counts for the client address that asked for it (its relay_usage row, deploymentClientOf).
 */
export type Sponsorship = { kind: "relay" } | { kind: "deployment"; client: string };
export const RELAYED: Sponsorship = { kind: "relay" };

/**
 * The relay_usage row of a client address's deployments. The rate limiter keeps addresses for a minute; these rows
 * stay for days (KEEP_DAYS, and past today only until the next clean-up), so they hold an HMAC under a server
 * secret instead: a raw address would say who set up accounts when, and a plain hash of one of 2^32 IPv4 addresses
 * is undone by trying them all.
 */
export const deploymentClientOf = (key: Uint8Array, clientIp: string) =>
  CLIENT_DEPLOYMENTS + createHmac("sha256", key).update(clientIp).digest("base64url");

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
  /** Today's sponsored deployments asked for from this client address (0 for a relay: not counted). */
  clientDeployments: number;
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

/**
 * Why one client address may not ask for one more sponsored deployment today, in plain words; undefined when it may.
 * Checked after quotaProblem, so a day spent for everyone is reported as such.
 */
export function clientDeploymentProblem(quota: RelayQuota, usage: RelayUsage): string | undefined {
  if (usage.clientDeployments < quota.deploymentsPerIp) return undefined;
  return (
    `Today's ${quota.deploymentsPerIp} new passkey accounts from your network address have been set up. Try again ` +
    "after midnight UTC (your account's address is already yours: consents can be granted to it before it is set up)."
  );
}

function refuse(reason: string, message: string, now: number): GatewayError {
  return new GatewayError(429, reason, message, {
    headers: { "Retry-After": String(secondsUntilNextUtcDay(now)) },
  });
}

/** The refusal for the first quota one more relay of `gas` would break; undefined when it fits them all. */
function refusalOf(
  quota: RelayQuota,
  usage: RelayUsage,
  gas: number,
  sponsorship: Sponsorship,
  now: number,
): GatewayError | undefined {
  const shared = quotaProblem(quota, usage, gas, sponsorship.kind);
  if (shared !== undefined) return refuse("relay_quota_exceeded", shared, now);
  const client = sponsorship.kind === "deployment" ? clientDeploymentProblem(quota, usage) : undefined;
  return client === undefined ? undefined : refuse("deployment_ip_quota_exceeded", client, now);
}

/** The rows one relay counts in: everyone's, everyone's deployments, its account's and (a deployment) its client's. */
const rowsOf = (account: string, sponsorship: Sponsorship) => [
  EVERYONE,
  DEPLOYMENTS,
  account,
  ...(sponsorship.kind === "deployment" ? [sponsorship.client] : []),
];

async function usageOf(
  db: Queryable,
  day: number,
  account: string,
  sponsorship: Sponsorship,
  lock: boolean,
): Promise<RelayUsage> {
  const rows = await db.query<{ account: string; relays: number | string; gas: number | string }>(
    `SELECT account, relays, gas FROM relay_usage WHERE day = $1 AND account = ANY($2::text[])${lock ? " FOR UPDATE" : ""}`,
    [day, rowsOf(account, sponsorship)],
  );
  const row = (name: string) => rows.find((r) => r.account === name);
  return {
    accountRelays: Number(row(account)?.relays ?? 0),
    totalRelays: Number(row(EVERYONE)?.relays ?? 0),
    totalGas: Number(row(EVERYONE)?.gas ?? 0),
    deployments: Number(row(DEPLOYMENTS)?.relays ?? 0),
    clientDeployments: sponsorship.kind === "deployment" ? Number(row(sponsorship.client)?.relays ?? 0) : 0,
  };
}

/** Refuses (429) an account, a client or a day that has no relay left, before the chain is asked anything. */
export async function checkRelayQuota(
  db: Db,
  quota: RelayQuota,
  account: string,
  now = Date.now(),
  sponsorship: Sponsorship = RELAYED,
): Promise<void> {
  const refusal = refusalOf(quota, await usageOf(db, utcDayOf(now), account, sponsorship, false), 0, sponsorship, now);
  if (refusal !== undefined) throw refusal;
}

/** The deployment rows a deployment counts in besides its account's and everyone's: everyone's and its client's. */
const deploymentRowsOf = (sponsorship: Sponsorship) =>
  sponsorship.kind === "deployment" ? [DEPLOYMENTS, sponsorship.client] : [];

/**
 * Counts one relay of `gas` for `account` (and a deployment for everyone and its client) if every quota allows it;
 * 429 otherwise, counting nothing. The row for everyone is locked first, so reservations from every process happen
 * one at a time and never overshoot, the per-client cap included.
 */
export async function reserveRelay(
  db: Db,
  quota: RelayQuota,
  account: string,
  gas: number,
  now = Date.now(),
  sponsorship: Sponsorship = RELAYED,
): Promise<{ day: number }> {
  const day = utcDayOf(now);
  await db.transaction(async (tx) => {
    await tx.query(
      "INSERT INTO relay_usage (day, account, relays, gas) SELECT $1, a, 0, 0 FROM unnest($2::text[]) AS a " +
        "ON CONFLICT DO NOTHING",
      [day, rowsOf(account, sponsorship)],
    );
    await tx.query("SELECT 1 FROM relay_usage WHERE day = $1 AND account = $2 FOR UPDATE", [day, EVERYONE]);
    const refusal = refusalOf(quota, await usageOf(tx, day, account, sponsorship, true), gas, sponsorship, now);
    if (refusal !== undefined) throw refusal;
    await tx.query(
      "UPDATE relay_usage SET relays = relays + 1, gas = gas + $4 WHERE day = $1 AND account IN ($2, $3)",
      [day, EVERYONE, account, gas],
    );
    const deploymentRows = deploymentRowsOf(sponsorship);
    if (deploymentRows.length > 0) {
      await tx.query("UPDATE relay_usage SET relays = relays + 1 WHERE day = $1 AND account = ANY($2::text[])", [
        day,
        deploymentRows,
      ]);
    }
  });
  if (Math.random() < 0.01) {
    // Client rows are needed for today only: kept no longer than that, so the hashes do not pile up into a history.
    await db.query("DELETE FROM relay_usage WHERE day < $1 OR (day < $2 AND starts_with(account, $3))", [
      day - KEEP_DAYS,
      day,
      CLIENT_DEPLOYMENTS,
    ]);
  }
  return { day };
}

/** Gives back a reservation whose transaction the node refused (so it was never sent). */
export async function releaseRelay(
  db: Db,
  account: string,
  gas: number,
  day: number,
  sponsorship: Sponsorship = RELAYED,
): Promise<void> {
  await db.query("UPDATE relay_usage SET relays = relays - 1, gas = gas - $4 WHERE day = $1 AND account IN ($2, $3)", [
    day,
    EVERYONE,
    account,
    gas,
  ]);
  const deploymentRows = deploymentRowsOf(sponsorship);
  if (deploymentRows.length > 0) {
    await db.query("UPDATE relay_usage SET relays = relays - 1 WHERE day = $1 AND account = ANY($2::text[])", [
      day,
      deploymentRows,
    ]);
  }
}
