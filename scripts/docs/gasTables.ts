// The generated parts of docs/gas.md: the measured gas of every operation beside its theoretical minimum and goal,
// the OpenZeppelin anchors, the arithmetic of each minimum from its footprint (checked against the transaction's
// trace by harness/contracts/gas.ts), and the figures the text quotes, all from one run of the measurements.
import { GAS, verdict, type Measurement, type MinimumTerm } from "@/harness/contracts/gas";
import { REFERENCES } from "@/harness/contracts/gas";
import { markdownTable } from "./codeTables";
import type { Sections } from "./sections";

export interface GasRun {
  operations: Measurement[];
  anchors: Measurement[];
  hardfork: string;
  solc: string;
  optimizerRuns: number;
}

const n = (value: number) => value.toLocaleString("en-US");
const ratio = (m: Measurement) => (m.gas / m.minimum).toFixed(2);

/** "grantConsent, new consent" → "`grantConsent`, new consent": the function name as code. */
function label(m: Measurement): string {
  return m.label.replace(/^(ERC-\d+ |AccessControl )?([a-z]\w*)/, (_, prefix: string | undefined, fn: string) => {
    return `${prefix ?? ""}\`${fn}\``;
  });
}

function byKey(measurements: Measurement[], key: string): Measurement {
  const found = measurements.find((m) => m.key === key);
  if (found === undefined) throw new Error(`no measurement "${key}"`);
  return found;
}

/** One term of a minimum: "22,100", "2×2,100", "1,028 calldata (31×16 + 133×4)", "2,780 log (375 + 3×375 + 160×8)". */
function term(t: MinimumTerm): string {
  if (t.label === "intrinsic") return n(t.gas);
  if (t.label === "calldata") return `${n(t.gas)} calldata (${t.detail})`;
  if (t.label.startsWith("log ")) return `${n(t.gas)} ${t.label} (${t.detail})`;
  if (t.gas < 0) return `${n(-t.gas)} ${t.label}`;
  const [count] = (t.detail ?? "").split("×");
  return count === "1" || t.detail === undefined ? `${n(t.gas)} ${t.label}` : `${t.detail} ${t.label}`;
}

function arithmetic(m: Measurement): string {
  return `${m.terms.map((t, i) => (i === 0 ? term(t) : `${t.gas < 0 ? "−" : "+"} ${term(t)}`)).join(" ")} = ${n(m.minimum)}`;
}

/** What an operation does, from its footprint: "new: …; changed: …; reads: …; calls: …; logs: …". */
function footprint(m: Measurement): string {
  const f = m.footprint;
  const parts: [string, string[]][] = [
    ["creates", f.newSlots],
    ["changes", f.changedSlots],
    ["clears", f.clearedSlots],
    ["reads", f.coldReads],
    ["calls", f.coldAccounts],
    ["emits", f.logs.map((log) => `${log.event} (${log.topics} topics, ${log.dataBytes} data bytes)`)],
  ];
  const text = parts
    .filter(([, entries]) => entries.length > 0)
    .map(([verb, entries]) => `${verb} ${entries.map((entry) => `\`${entry}\``).join(", ")}`);
  if (f.ecrecovers > 0) text.push(`recovers ${f.ecrecovers} signature${f.ecrecovers > 1 ? "s" : ""}`);
  if (f.p256Verifications) text.push(`verifies ${f.p256Verifications} P-256 signature with the P256VERIFY precompile`);
  return text.length > 0 ? text.join("; ") : "no storage written";
}

/** Which kind of cost a term of the minimum is. */
function costKind(t: MinimumTerm): string {
  if (t.label === "cold read" || t.label === "cold reads" || t.label.startsWith("cold account"))
    return "cold reads and calls";
  if (t.label === "calldata" || t.label.startsWith("log ")) return "event and calldata";
  if (t.label === "ecrecover" || t.label === "ecrecovers") return "signature recovery";
  if (t.label.startsWith("P-256 verification")) return "signature verification";
  if (t.label === "intrinsic") return "intrinsic";
  return "storage written";
}

/** How the minimum of `a` exceeds that of `b`, by kind of cost: "6,800 cold reads and calls, 1,420 event and calldata". */
function minimumDifference(a: Measurement, b: Measurement): string {
  const byKind = new Map<string, number>();
  for (const [m, sign] of [
    [a, 1],
    [b, -1],
  ] as const) {
    for (const t of m.terms) byKind.set(costKind(t), (byKind.get(costKind(t)) ?? 0) + sign * t.gas);
  }
  return [...byKind]
    .filter(([, gas]) => gas !== 0)
    .map(([kind, gas]) => `${gas < 0 ? "−" : ""}${n(Math.abs(gas))} ${kind}`)
    .join(", ");
}

function operationsTable(operations: Measurement[]): string {
  return markdownTable(
    ["operation", "gas", "minimum", "ratio", "goal", ""],
    operations.map((m) => [
      label(m),
      n(m.gas),
      n(m.minimum),
      ratio(m),
      m.goal === undefined ? "–" : `≤ ${n(m.goal)}`,
      verdict(m),
    ]),
    [1, 2, 3, 4],
  );
}

function anchorsTable(anchors: Measurement[]): string {
  return markdownTable(
    ["anchor", "gas", "reference", "minimum", "ratio"],
    [
      ...anchors.map((m) => [
        label(m),
        n(m.gas),
        m.reference === undefined ? "–" : n(m.reference),
        n(m.minimum),
        ratio(m),
      ]),
      ["EAS `attest` (reference only, not measured)", "–", `~${n(REFERENCES.easAttest)}`, "–", "–"],
    ],
    [1, 2, 3, 4],
  );
}

function gasSections(run: GasRun): Sections {
  const { operations, anchors } = run;
  const all = [...operations, ...anchors];
  const mismatched = all.filter((m) => m.mismatches.length > 0);
  if (mismatched.length > 0) {
    throw new Error(`the footprint model differs from the trace for ${mismatched.map((m) => m.key).join(", ")}`);
  }
  const hasAccess = byKey(operations, "hasAccess");
  const hasAccessCalldata = hasAccess.terms.find((t) => t.label === "calldata")!.gas;
  const goals = operations.filter((m) => m.goal !== undefined);
  const misses = goals.filter((m) => verdict(m) === "MISS");
  const worst = operations.reduce((a, b) => (b.gas / b.minimum > a.gas / a.minimum ? b : a));
  const overheads = operations.filter((m) => m.source === "receipt").map((m) => m.gas - m.minimum);
  const anchorFirst = byKey(operations, "anchorFirst");
  const anchorLater = byKey(operations, "anchorLater");
  const above = operations.filter((m) => m.gas > 100_000);
  const grantNew = byKey(operations, "grantNew");
  const grantBySig = byKey(operations, "grantBySig");
  const approve = byKey(anchors, "approve");
  const permit = byKey(anchors, "permit");

  return {
    "gas-setup":
      `Measured on the in-process Hardhat network (hardfork ${run.hardfork}, solc ${run.solc}, optimizer ` +
      `${n(run.optimizerRuns)} runs). \`hasAccess\` is measured with \`eth_estimateGas\`, which includes the ` +
      `${n(GAS.TX)} and the calldata a transaction would pay: the check itself executes in ` +
      `${n(hasAccess.gas - GAS.TX - hasAccessCalldata)} of the ${n(hasAccess.gas)}.`,
    "gas-operations": operationsTable(operations),
    "gas-summary":
      `${goals.length - misses.length} PASS, ${misses.length} MISS. The largest ratio to the theoretical minimum is ` +
      `${ratio(worst)} (${label(worst)}). Above 100,000: ` +
      `${above.map((m) => `${label(m)} (${n(m.gas)}; its theoretical minimum under this storage layout is already ${n(m.minimum)})`).join(", ") || "nothing"}. ` +
      `The first \`anchor\` creates two slots, so its minimum is already ${n(anchorFirst.minimum)}; every later ` +
      `batch costs ${n(anchorLater.gas)}, whatever its size.`,
    "gas-arithmetic": markdownTable(
      ["operation", "what it does (checked against the trace)", "arithmetic"],
      all.map((m) => [label(m), footprint(m), arithmetic(m)]),
    ),
    "gas-overhead":
      `What is left above the minimum (${n(Math.min(...overheads))} to ${n(Math.max(...overheads))} gas for the ` +
      `transactions) is execution: ABI decoding, the checks, hashing, and the call overhead of the registry hops; the ` +
      `signed grant (${n(grantBySig.gas - grantBySig.minimum)}) and the lab's record ` +
      `(${n(byKey(operations, "addRecordByLab").gas - byKey(operations, "addRecordByLab").minimum)}) pay the most ` +
      `of it (EIP-712 hashing, two nested calls).`,
    "gas-anchors": anchorsTable(anchors),
    "gas-comparison":
      `A new consent costs ${n(grantNew.gas - approve.gas)} gas more than a first \`approve\`, ` +
      `${n(grantNew.minimum - approve.minimum)} of it in the minimum (${minimumDifference(grantNew, approve)}). ` +
      `A relayed signed grant costs ${n(grantBySig.gas - permit.gas)} more than a relayed \`permit\`, ` +
      `${n(grantBySig.minimum - permit.minimum)} of it in the minimum (${minimumDifference(grantBySig, permit)}).`,
  };
}

/** The generated sections of each docs file this module owns. */
export function gasDocs(run: GasRun): Record<string, Sections> {
  return { "docs/gas.md": gasSections(run) };
}
