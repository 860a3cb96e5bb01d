// The code tables of docs/codes.md, from the shared library: categories, actions, purposes and provider kinds
// (lib/consentCodes.ts), emergency reason codes (lib/emergency.ts), and every custom error of the five contracts'
// ABIs (the generated bindings) in the plain words the CLI, the client library and the portal show (lib/accessErrors.ts).
import { abis } from "@/lib/contracts/deployedContracts";
import { explainError } from "@/lib/accessErrors";
import {
  ACTIONS,
  CATEGORIES,
  PROVIDER_KINDS,
  PURPOSES,
  ROUTINE_CATEGORIES,
  type CategoryInfo,
} from "@/lib/consentCodes";
import { EMERGENCY_REASONS, emergencyReasonHash } from "@/lib/emergency";
import type { Sections } from "./sections";

type Row = readonly (string | number)[];

/** A markdown table; prettier aligns it when the file is formatted. */
export function markdownTable(header: Row, rows: readonly Row[], rightAligned: readonly number[] = []): string {
  const rule = header.map((_, i) => (rightAligned.includes(i) ? "--:" : "---"));
  const line = (cells: Row) => `| ${cells.map((cell) => String(cell).replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

const code = (text: string | number) => `\`${text}\``;
/** The Solidity constant of a code's CLI name: `public-health` → `PUBLIC_HEALTH`. */
const constantName = (key: string) => key.toUpperCase().replace(/-/g, "_");
const hexMask = (bit: number) => `0x${(1n << BigInt(bit)).toString(16)}`;

function categoryRows(categories: readonly CategoryInfo[]): Row[] {
  return categories.map((c) => [c.bit, code(hexMask(c.bit)), c.label, code(c.key)]);
}

function codeSections(): Sections {
  const routine = CATEGORIES.filter((c) => !c.sensitive);
  const sensitive = CATEGORIES.filter((c) => c.sensitive);
  const categoryHeader = ["bit", "mask", "category", "CLI name"];
  return {
    "routine-categories": markdownTable(categoryHeader, categoryRows(routine), [0]),
    "sensitive-categories": markdownTable(categoryHeader, categoryRows(sensitive), [0]),
    "routine-mask":
      `"All routine data" (CLI name \`routine\`, \`ConsentCodes.ROUTINE_CATEGORIES\` = ` +
      `\`0x${ROUTINE_CATEGORIES.toString(16).toUpperCase()}\`) is bits ${routine[0].bit}–${routine[routine.length - 1].bit} only.`,
    actions: markdownTable(
      ["value", "constant", "CLI name", "in plain words"],
      ACTIONS.map((a) => [a.bit, code(constantName(a.key)), code(a.key), a.label]),
      [0],
    ),
    purposes: markdownTable(
      ["value", "constant", "CLI name", "in plain words", "HL7 PurposeOfUse (v3-ActReason)"],
      PURPOSES.map((p) => [p.bit, code(constantName(p.key)), code(p.key), p.label, code(p.hl7)]),
      [0],
    ),
    "provider-kinds": markdownTable(
      ["value", "provider kind (CLI name)"],
      PROVIDER_KINDS.map((kind, value) => [value, code(kind)]),
      [0],
    ),
    "emergency-reasons": markdownTable(
      ["code", "in plain words", "`reasonHash`"],
      EMERGENCY_REASONS.map((r) => [code(r.code), r.label, code(emergencyReasonHash(r.code))]),
    ),
    errors: errorTable(),
  };
}

// ---- Errors ----

interface AbiError {
  type: string;
  name?: string;
  inputs?: readonly { name: string; type: string }[];
}

/** Example arguments: a fixed date, imaging, "add records", research; any other argument stands as its name. */
export const EXAMPLE_TIME = 1_798_070_399; // Wed, 23 Dec 2026 23:59:59 UTC
const EXAMPLE_VALUES: Record<string, unknown> = {
  missing: 1n << 6n, // imaging
  action: 2,
  purpose: 8,
};

/** Marks an argument's name in a message; shown in italics. */
const PLACEHOLDER = "\u0000";

function exampleArgument(input: { name: string; type: string }): unknown {
  if (input.name in EXAMPLE_VALUES) return EXAMPLE_VALUES[input.name];
  if (/^uint(40|48)$/.test(input.type) || /deadline$/i.test(input.name)) return EXAMPLE_TIME;
  return `${PLACEHOLDER}${input.name}${PLACEHOLDER}`;
}

function errorTable(): string {
  const byName = new Map<string, { signature: string; contracts: string[]; message: string }>();
  for (const [contract, abi] of Object.entries(abis)) {
    for (const error of (abi as readonly AbiError[]).filter((item) => item.type === "error")) {
      const name = error.name!;
      const inputs = error.inputs ?? [];
      const entry = byName.get(name) ?? {
        signature: `${name}(${inputs.map((i) => `${i.type} ${i.name}`).join(", ")})`,
        contracts: [],
        message: explainError(name, inputs.map(exampleArgument)).replace(/\u0000(\w+)\u0000/g, "_$1_"),
      };
      entry.contracts.push(contract);
      byName.set(name, entry);
    }
  }
  return markdownTable(
    ["error", "raised by", "in plain words (with the example arguments)"],
    [...byName.values()].map((e) => [code(e.signature), e.contracts.join(", "), e.message]),
  );
}

/** The generated sections of each docs file this module owns. */
export function codeDocs(): Record<string, Sections> {
  return { "docs/codes.md": codeSections() };
}
