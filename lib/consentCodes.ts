// The categories, actions, purposes and provider kinds of contracts/interfaces/ConsentCodes.sol, with their names in
// plain words, and the parsing that the CLI, the client library and the portal share.

export interface CategoryInfo {
  bit: number;
  /** The name used on the command line and in URLs. */
  key: string;
  /** The name in plain words. */
  label: string;
  sensitive: boolean;
}

export const CATEGORIES: readonly CategoryInfo[] = [
  { bit: 0, key: "demographics", label: "demographics", sensitive: false },
  { bit: 1, key: "allergies", label: "allergies", sensitive: false },
  { bit: 2, key: "medications", label: "medications", sensitive: false },
  { bit: 3, key: "conditions", label: "conditions", sensitive: false },
  { bit: 4, key: "lab-results", label: "lab results", sensitive: false },
  { bit: 5, key: "vital-signs", label: "vital signs", sensitive: false },
  { bit: 6, key: "imaging", label: "imaging", sensitive: false },
  { bit: 7, key: "clinical-notes", label: "clinical notes", sensitive: false },
  { bit: 8, key: "immunizations", label: "immunizations", sensitive: false },
  { bit: 9, key: "procedures", label: "procedures", sensitive: false },
  { bit: 10, key: "encounters", label: "encounters", sensitive: false },
  { bit: 11, key: "care-plans", label: "care plans", sensitive: false },
  { bit: 12, key: "insurance-billing", label: "insurance and billing", sensitive: false },
  { bit: 32, key: "mental-health", label: "mental health", sensitive: true },
  { bit: 33, key: "substance-use", label: "substance use", sensitive: true },
  { bit: 34, key: "sexual-reproductive-health", label: "sexual and reproductive health", sensitive: true },
  { bit: 35, key: "genetic-data", label: "genetic data", sensitive: true },
  { bit: 36, key: "infectious-disease", label: "HIV and other infectious disease", sensitive: true },
];

/** Bits 0-12. Any "all routine data" shortcut expands to exactly these, never to a sensitive category. */
export const ROUTINE_CATEGORIES = 0x1fffn;
export const SENSITIVE_CATEGORIES = 0x1fn << 32n;
export const ALL_CATEGORIES = ROUTINE_CATEGORIES | SENSITIVE_CATEGORIES;

export const ACTIONS = [
  { bit: 1, key: "read", label: "read" },
  { bit: 2, key: "append", label: "add records to" },
] as const;
export const READ = 1;
export const APPEND = 2;

export const PURPOSES = [
  { bit: 1, key: "treatment", label: "treatment", hl7: "TREAT" },
  { bit: 2, key: "payment", label: "payment", hl7: "HPAYMT" },
  { bit: 4, key: "operations", label: "healthcare operations", hl7: "HOPERAT" },
  { bit: 8, key: "research", label: "research", hl7: "HRESCH" },
  { bit: 16, key: "public-health", label: "public health", hl7: "PUBHLTH" },
  { bit: 32, key: "emergency", label: "emergency care", hl7: "ETREAT" },
] as const;
export const TREATMENT = 1;
export const RESEARCH = 8;
export const EMERGENCY = 32;

export const PROVIDER_KINDS = ["clinician", "organization", "laboratory", "researcher", "payer"] as const;
export type ProviderKindName = (typeof PROVIDER_KINDS)[number];

/** A value given by name or by number that is not one of the valid ones. */
export class CodeError extends Error {
  constructor(what: string, value: string, valid: readonly string[]) {
    super(`Unknown ${what} "${value}". Valid values: ${valid.join(", ")} (or a number).`);
    this.name = "CodeError";
  }
}

function parseNumber(value: string): bigint | undefined {
  return /^(0x[0-9a-f]+|\d+)$/i.test(value) ? BigInt(value) : undefined;
}

/**
 * Parses a category list: names (`lab-results,medications`), the shortcut `routine` (bits 0-12), or one number that
 * is the mask itself (`20`, `0x14`).
 */
export function parseCategories(input: string | bigint | number): bigint {
  if (typeof input !== "string") return BigInt(input);
  const parts = input
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== "");
  if (parts.length === 1 && parseNumber(parts[0]) !== undefined) return parseNumber(parts[0])!;
  let mask = 0n;
  for (const part of parts) {
    if (part === "routine") {
      mask |= ROUTINE_CATEGORIES;
      continue;
    }
    const category = CATEGORIES.find((c) => c.key === part);
    if (category === undefined) throw new CodeError("category", part, ["routine", ...CATEGORIES.map((c) => c.key)]);
    mask |= 1n << BigInt(category.bit);
  }
  return mask;
}

function parseBits(what: string, table: readonly { bit: number; key: string }[], input: string | number): number {
  if (typeof input === "number") return input;
  let mask = 0;
  for (const part of input.split(",").map((p) => p.trim().toLowerCase())) {
    const asNumber = parseNumber(part);
    const entry = table.find((e) => e.key === part);
    if (asNumber !== undefined) mask |= Number(asNumber);
    else if (entry !== undefined) mask |= entry.bit;
    else
      throw new CodeError(
        what,
        part,
        table.map((e) => e.key),
      );
  }
  return mask;
}

/** Parses actions by name (`read`, `read,append`) or number. */
export const parseActions = (input: string | number) => parseBits("action", ACTIONS, input);
/** Parses purposes by name (`treatment`, `treatment,research`) or number. */
export const parsePurposes = (input: string | number) => parseBits("purpose", PURPOSES, input);

/** Parses a provider kind by name (`laboratory`) or number (`2`). */
export function parseProviderKind(input: string | number): number {
  if (typeof input === "number") return input;
  const asNumber = parseNumber(input);
  if (asNumber !== undefined) return Number(asNumber);
  const index = PROVIDER_KINDS.indexOf(input.toLowerCase() as ProviderKindName);
  if (index < 0) throw new CodeError("provider kind", input, PROVIDER_KINDS);
  return index;
}

/** The categories of a mask, in bit order. */
export function categoriesOf(mask: bigint): CategoryInfo[] {
  return CATEGORIES.filter((c) => (mask >> BigInt(c.bit)) & 1n);
}

/** "lab results, medications and imaging" */
export function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

export const describeCategories = (mask: bigint) =>
  mask === ROUTINE_CATEGORIES ? "all routine data" : joinWords(categoriesOf(mask).map((c) => c.label));
export const describeActions = (mask: number) => joinWords(ACTIONS.filter((a) => mask & a.bit).map((a) => a.label));
export const describePurposes = (mask: number) => joinWords(PURPOSES.filter((p) => mask & p.bit).map((p) => p.label));
