// Next calls register() once when a server process starts: the gateway's background jobs (disclosure anchoring, key
// and blob sweeps) start here, in the Node runtime only, and never while `next build` prerenders.
import { PHASE_PRODUCTION_BUILD } from "next/constants";

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === PHASE_PRODUCTION_BUILD) return;
  const { startBackgroundJobs } = await import("@/server/gateway/backgroundJobs");
  startBackgroundJobs();
}
