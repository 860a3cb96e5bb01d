// The gateway's timers, started once per server process from instrumentation.ts: every ANCHOR_INTERVAL_SECONDS it
// reconciles its disclosure batches with the chain, anchors the pending disclosures, and sweeps the wrapped keys of
// readers who lost access (and the emergency copies of patients who turned emergency access off); every
// GATEWAY_BLOB_SWEEP_INTERVAL_SECONDS it deletes the blobs no record references in time. An interval of 0 turns its
// timer off. Errors are logged and never end the process.
import "server-only";
import { anchorDisclosures } from "./chain/disclosureAnchor";
import { readGatewayConfig, type GatewayConfig } from "./config";
import { getGateway, type Gateway } from "./context";
import { sweepEscrowCopies } from "./emergency/emergencyAccess";
import { sweepRevokedKeys } from "./records/keySweep";
import { sweepUnreferencedBlobs } from "./storage/blobBindings";

type TimerName = "__medconsentGatewayTimer" | "__medconsentBlobSweepTimer";

const store = globalThis as typeof globalThis & { [name in TimerName]?: ReturnType<typeof setInterval> };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : error);

/** Starts the timers (once per process, whoever calls); each run uses the process's gateway. */
export function startBackgroundJobs(): void {
  let config: GatewayConfig;
  try {
    config = readGatewayConfig();
  } catch (error) {
    // Every route answers 500 gateway_misconfigured and says why; no job can run without a configuration.
    console.error(`gateway: background jobs not started: ${messageOf(error)}`);
    return;
  }
  every("__medconsentGatewayTimer", config.anchorIntervalSeconds, "anchoring", anchorAndSweepKeys);
  // Its own timer: expiry runs on its own schedule, whether or not anchoring has one.
  every("__medconsentBlobSweepTimer", config.blobSweepIntervalSeconds, "blob sweep", sweepBlobs);
}

/** Runs `job` every `seconds` (never two runs at once); 0 seconds means never. */
function every(name: TimerName, seconds: number, what: string, job: (gateway: Gateway) => Promise<void>): void {
  if (store[name] !== undefined || seconds === 0) return;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await job(await getGateway());
    } catch (error) {
      // The gateway could not start (database or chain down): the next run tries again.
      console.error(`gateway: ${what} failed:`, messageOf(error));
    } finally {
      running = false;
    }
  };
  store[name] = setInterval(() => void tick(), seconds * 1000);
  // The timer alone never keeps the process alive.
  store[name].unref();
}

async function anchorAndSweepKeys(gateway: Gateway): Promise<void> {
  try {
    const { anchored: batch } = await anchorDisclosures(gateway, "timer");
    if (batch !== null)
      console.log(`gateway: disclosures ${batch.fromSeq}-${batch.toSeq} ${batch.status} in ${batch.txHash}`);
  } catch (error) {
    console.error("gateway: anchoring failed:", messageOf(error));
  }
  try {
    const deleted = await sweepRevokedKeys(gateway);
    if (deleted > 0) console.log(`gateway: deleted ${deleted} wrapped keys of readers who lost access`);
  } catch (error) {
    console.error("gateway: key sweep failed:", messageOf(error));
  }
  // Emergency escrow copies of patients who turned emergency access off (emergencyAccess.ts).
  try {
    const deleted = await sweepEscrowCopies(gateway);
    if (deleted > 0) console.log(`gateway: deleted ${deleted} emergency copies of patients who turned emergency off`);
  } catch (error) {
    console.error("gateway: escrow sweep failed:", messageOf(error));
  }
}

async function sweepBlobs(gateway: Gateway): Promise<void> {
  try {
    const deleted = await sweepUnreferencedBlobs(gateway);
    if (deleted > 0) console.log(`gateway: deleted ${deleted} blobs that no record references`);
  } catch (error) {
    console.error("gateway: blob sweep failed:", messageOf(error));
  }
}
