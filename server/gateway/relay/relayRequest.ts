// The gas-free relay's request, checked without the chain: the body names one of the two relayable functions of the
// ConsentRegistry and its arguments as strings, converted here to their ABI types; anything else is 400.
import "server-only";
import { getAddress, isAddress, type Abi, type AbiParameter, type Address } from "viem";
import { RELAYABLE_FUNCTIONS, type RelayableFunction } from "@/lib/consentSignatures";
import { abis } from "@/lib/contracts/deployedContracts";
import { badRequest } from "@/server/gateway/http/errors";

/** The largest relay body: a grant's arguments take about 500 bytes. */
export const RELAY_MAX_BODY_BYTES = 8_192;

export interface RelayCall {
  functionName: RelayableFunction;
  args: readonly unknown[];
  /** Whose signature it is: the first argument of both functions. */
  patient: Address;
}

function inputsOf(functionName: RelayableFunction): readonly AbiParameter[] {
  const item = (abis.ConsentRegistry as Abi).find((i) => i.type === "function" && i.name === functionName);
  if (item === undefined || item.type !== "function") throw new Error(`${functionName} is missing from the bindings.`);
  return item.inputs;
}

/** One named argument, given as a string, converted to its ABI type; a plain-words problem otherwise. */
function parseArg(input: AbiParameter, value: unknown): { value: unknown } | { problem: string } {
  const name = input.name ?? "?";
  if (typeof value !== "string") return { problem: `"${name}" must be a string.` };
  if (input.type === "address") {
    return isAddress(value)
      ? { value: getAddress(value) }
      : { problem: `"${name}" must be a 0x-prefixed address (with a valid checksum if mixed-case).` };
  }
  if (input.type === "bytes") {
    return /^0x([0-9a-fA-F]{2})+$/.test(value) ? { value } : { problem: `"${name}" must be 0x-prefixed hex bytes.` };
  }
  const uint = /^uint(\d+)$/.exec(input.type);
  if (uint !== null) {
    if (!/^\d{1,78}$/.test(value)) return { problem: `"${name}" must be a whole number written in decimal.` };
    const bits = Number(uint[1]);
    const number = BigInt(value);
    if (number >= 1n << BigInt(bits)) return { problem: `"${name}" is too large for a uint${bits}.` };
    // uint8 and uint40 arguments are numbers in viem; uint64 and uint256 are bigints.
    return { value: bits <= 48 ? Number(number) : number };
  }
  return { problem: `"${name}" has an unsupported type ${input.type}.` };
}

/** Checks the body's shape and converts its named string arguments to the function's ABI types; 400 otherwise. */
export function parseRelayRequest(body: unknown): RelayCall {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object: { "function": "...", "args": { ... } }.');
  }
  const { function: functionName, args } = body as { function?: unknown; args?: unknown };
  if (typeof functionName !== "string" || functionName === "") {
    throw badRequest('Say which function to relay in "function" (a string).');
  }
  if (!(RELAYABLE_FUNCTIONS as readonly string[]).includes(functionName)) {
    throw badRequest(
      `This relay only submits patients' signed consent changes (${RELAYABLE_FUNCTIONS.join(" and ")} of the ` +
        `ConsentRegistry), so the patient pays no gas. It does not relay "${functionName}": send that transaction ` +
        `from your own wallet.`,
      "not_relayable",
    );
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw badRequest('"args" must be an object of named arguments, each a string.');
  }
  const inputs = inputsOf(functionName as RelayableFunction);
  const names = inputs.map((i) => i.name ?? "");
  const given = args as Record<string, unknown>;
  const unknownNames = Object.keys(given).filter((key) => !names.includes(key));
  const missing = names.filter((name) => !Object.hasOwn(given, name));
  if (missing.length > 0 || unknownNames.length > 0) {
    const problems = [
      missing.length > 0 ? `missing ${missing.join(", ")}` : "",
      unknownNames.length > 0 ? `unknown ${unknownNames.join(", ")}` : "",
    ].filter((p) => p !== "");
    throw badRequest(`${functionName} takes the arguments ${names.join(", ")} (${problems.join("; ")}).`);
  }
  const values: unknown[] = [];
  for (const input of inputs) {
    const parsed = parseArg(input, given[input.name ?? ""]);
    if ("problem" in parsed) throw badRequest(parsed.problem);
    values.push(parsed.value);
  }
  return { functionName: functionName as RelayableFunction, args: values, patient: values[0] as Address };
}
