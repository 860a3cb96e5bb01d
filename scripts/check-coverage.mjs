// Fails CI when Solidity coverage drops below the project's thresholds.
import { readFileSync } from "node:fs";

const THRESHOLDS = { lines: 100, functions: 100, branches: 95 };

const { total } = JSON.parse(readFileSync("coverage/coverage-summary.json", "utf8"));
let failed = false;
for (const [metric, minimum] of Object.entries(THRESHOLDS)) {
  const { pct } = total[metric];
  const ok = pct >= minimum;
  failed ||= !ok;
  console.log(`${ok ? "ok  " : "FAIL"} ${metric.padEnd(10)} ${String(pct).padStart(6)}%  (minimum ${minimum}%)`);
}
if (failed) process.exit(1);
