// The gateway's timers: every ANCHOR_INTERVAL_SECONDS it reconciles its disclosure batches with the chain, anchors the
// pending disclosures, and sweeps the wrapped keys of readers who lost access (and the emergency copies of patients
// who turned emergency access off); every GATEWAY_BLOB_SWEEP_INTERVAL_SECONDS it deletes the blobs no record
// references in time. Errors are logged and never end the process.
import type { Gateway } from "./context";
import { anchorDisclosures } from "./chain/disclosureAnchor";
import { sweepEscrowCopies } from "./emergency/emergencyAccess";
import { sweepRevokedKeys } from "./records/keySweep";
import { sweepUnreferencedBlobs } from "./storage/blobBindings";

const store = globalThis as typeof globalThis & {
  __medconsentGatewayTimer?: ReturnType<typeof setInterval>;
  __medconsentBlobSweepTimer?: ReturnType<typeof setInterval>;
};

export function startBackgroundJobs(gateway: Gateway): void {
  startBlobSweep(gateway);
  if (store.__medconsentGatewayTimer !== undefined || gateway.config.anchorIntervalSeconds === 0) return;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const { anchored: batch } = await anchorDisclosures(gateway, "timer");
      if (batch !== null)
        console.log(`gateway: disclosures ${batch.fromSeq}-${batch.toSeq} ${batch.status} in ${batch.txHash}`);
    } catch (error) {
      console.error("gateway: anchoring failed:", error instanceof Error ? error.message : error);
    }
    try {
      const deleted = await sweepRevokedKeys(gateway);
      if (deleted > 0) console.log(`gateway: deleted ${deleted} wrapped keys of readers who lost access`);
    } catch (error) {
      console.error("gateway: key sweep failed:", error instanceof Error ? error.message : error);
    }
    // Emergency escrow copies of patients who turned emergency access off (emergencyAccess.ts).
    try {
      const deleted = await sweepEscrowCopies(gateway);
      if (deleted > 0) console.log(`gateway: deleted ${deleted} emergency copies of patients who turned emergency off`);
    } catch (error) {
      console.error("gateway: escrow sweep failed:", error instanceof Error ? error.message : error);
    } finally {
      running = false;
    }
  };
  store.__medconsentGatewayTimer = setInterval(() => void tick(), gateway.config.anchorIntervalSeconds * 1000);
  // The timer alone never keeps the process alive.
  store.__medconsentGatewayTimer.unref();
}

/** Its own timer: expiry runs on its own schedule, whether or not anchoring has one. */
function startBlobSweep(gateway: Gateway): void {
  if (store.__medconsentBlobSweepTimer !== undefined || gateway.config.blobSweepIntervalSeconds === 0) return;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const deleted = await sweepUnreferencedBlobs(gateway);
      if (deleted > 0) console.log(`gateway: deleted ${deleted} blobs that no record references`);
    } catch (error) {
      console.error("gateway: blob sweep failed:", error instanceof Error ? error.message : error);
    } finally {
      running = false;
    }
  };
  store.__medconsentBlobSweepTimer = setInterval(() => void tick(), gateway.config.blobSweepIntervalSeconds * 1000);
  store.__medconsentBlobSweepTimer.unref();
}
