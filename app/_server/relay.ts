// Server only. The gas-free relay: submits a patient's EIP-712-signed grantConsentBySig or revokeConsentBySig to the
// ConsentRegistry, paying the gas from the relayer's account. It relays nothing else, simulates before sending so a
// bad signature never costs gas, and rate-limits per client IP and per patient.
//
// POST /api/relay  { "function": "grantConsentBySig" | "revokeConsentBySig", "args": { <named arguments as strings> } }
//   200 { hash }                                   sent; the caller waits for the receipt
//   400 { error: "bad_request" | "not_relayable", message }
//   422 { error: <the contract's custom error, e.g. "ConsentInvalidSignature">, message }   simulation reverted
//   429 { error: "rate_limited", message } + Retry-After
//   502 { error: "chain_unavailable" | "relay_failed", message }
//   503 { error: "relayer_not_configured", message }   RELAYER_PRIVATE_KEY missing or malformed (off the local chain)
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeErrorResult,
  getAddress,
  http,
  isAddress,
  isHex,
  type Abi,
  type AbiParameter,
  type Address,
  type Hash,
  type Hex,
  type PrivateKeyAccount,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { abis } from "../_contracts/deployedContracts";
import { explainError } from "../_lib/accessErrors";
import { appConfig } from "../_lib/appConfig";

export const RELAYABLE_FUNCTIONS = ["grantConsentBySig", "revokeConsentBySig"] as const;
export type RelayableFunction = (typeof RELAYABLE_FUNCTIONS)[number];

/** Requests per client IP, and per patient, within one window. */
export const RATE_LIMIT = { requests: 10, windowMs: 60_000 };

/** Hardhat test account #9: the relayer on the local chain (31337) only, when RELAYER_PRIVATE_KEY is not set. */
const LOCAL_RELAYER_KEY: Hex = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";

export interface RelayResponse {
  status: number;
  body: { hash: Hash } | { error: string; message: string };
  headers?: Record<string, string>;
}

const fail = (status: number, error: string, message: string, headers?: Record<string, string>): RelayResponse => ({
  status,
  body: { error, message },
  headers,
});

// ---- request validation ----------------------------------------------------------------------------------------

export interface RelayCall {
  functionName: RelayableFunction;
  args: readonly unknown[];
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
    return isHex(value, { strict: true }) && value.length % 2 === 0 && value.length > 2
      ? { value }
      : { problem: `"${name}" must be 0x-prefixed hex bytes.` };
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

/** Checks the body's shape and converts its named string arguments to the function's ABI types. */
export function parseRelayRequest(body: unknown): RelayCall | RelayResponse {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail(400, "bad_request", 'The body must be a JSON object: { "function": "...", "args": { ... } }.');
  }
  const { function: functionName, args } = body as { function?: unknown; args?: unknown };
  if (typeof functionName !== "string" || functionName === "") {
    return fail(400, "bad_request", 'Say which function to relay in "function" (a string).');
  }
  if (!(RELAYABLE_FUNCTIONS as readonly string[]).includes(functionName)) {
    return fail(
      400,
      "not_relayable",
      `This relay only submits patients' signed consent changes (${RELAYABLE_FUNCTIONS.join(" and ")} of the ` +
        `ConsentRegistry), so the patient pays no gas. It does not relay "${functionName}": send that transaction ` +
        `from your own wallet.`,
    );
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return fail(400, "bad_request", '"args" must be an object of named arguments, each a string.');
  }
  const inputs = inputsOf(functionName as RelayableFunction);
  const names = inputs.map((i) => i.name ?? "");
  const given = args as Record<string, unknown>;
  const unknownNames = Object.keys(given).filter((key) => !names.includes(key));
  const missing = names.filter((name) => !(name in given));
  if (missing.length > 0 || unknownNames.length > 0) {
    const problems = [
      missing.length > 0 ? `missing ${missing.join(", ")}` : "",
      unknownNames.length > 0 ? `unknown ${unknownNames.join(", ")}` : "",
    ].filter((p) => p !== "");
    return fail(
      400,
      "bad_request",
      `${functionName} takes the arguments ${names.join(", ")} (${problems.join("; ")}).`,
    );
  }
  const values: unknown[] = [];
  for (const input of inputs) {
    const parsed = parseArg(input, given[input.name ?? ""]);
    if ("problem" in parsed) return fail(400, "bad_request", parsed.problem);
    values.push(parsed.value);
  }
  return { functionName: functionName as RelayableFunction, args: values, patient: values[0] as Address };
}

// ---- rate limiting ----------------------------------------------------------------------------------------------

/** A sliding-window counter per key, in this process's memory (one instance; use a shared store to scale out). */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records a hit for every key if all are under the limit; otherwise the seconds until the first one frees up. */
  take(keys: string[], now = Date.now()): { allowed: true } | { allowed: false; retryAfter: number } {
    let retryAfterMs = 0;
    for (const key of keys) {
      const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
      this.hits.set(key, recent);
      if (recent.length >= this.limit) retryAfterMs = Math.max(retryAfterMs, recent[0] + this.windowMs - now);
    }
    if (retryAfterMs > 0) return { allowed: false, retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    for (const key of keys) this.hits.get(key)!.push(now);
    if (this.hits.size > 10_000) this.prune(now);
    return { allowed: true };
  }

  private prune(now: number) {
    for (const [key, times] of this.hits) {
      if (times.every((t) => now - t >= this.windowMs)) this.hits.delete(key);
    }
  }
}

// ---- the relayer ------------------------------------------------------------------------------------------------

/** The relayer's account: RELAYER_PRIVATE_KEY, or on the local chain only Hardhat test account #9. */
export function relayerAccount(
  env: Record<string, string | undefined> = process.env,
  isLocalChain = appConfig.isLocalChain,
): PrivateKeyAccount | { problem: string } {
  const key = env.RELAYER_PRIVATE_KEY?.trim() || (isLocalChain ? LOCAL_RELAYER_KEY : undefined);
  if (key === undefined) {
    return {
      problem:
        "The gas-free relay is not set up on this server: set RELAYER_PRIVATE_KEY to the private key of a funded " +
        "account. You can still send the transaction from your own wallet.",
    };
  }
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
    return { problem: "RELAYER_PRIVATE_KEY is not a 32-byte hex private key, so the gas-free relay is off." };
  }
  return privateKeyToAccount(hex as Hex);
}

function createRelayer() {
  const account = relayerAccount();
  const publicClient = createPublicClient({ chain: appConfig.chain, transport: http(appConfig.rpcUrl) });
  const walletClient =
    "problem" in account
      ? undefined
      : createWalletClient({ account, chain: appConfig.chain, transport: http(appConfig.rpcUrl) });
  return { account, publicClient, walletClient, limiter: new RateLimiter(RATE_LIMIT.requests, RATE_LIMIT.windowMs) };
}

// One relayer per server process (module state survives between requests; in dev, hot reload starts a new one).
let relayer: ReturnType<typeof createRelayer> | undefined;
// Sends one at a time, so two relays never race for the same account nonce.
let sendQueue: Promise<unknown> = Promise.resolve();

function revertOf(error: unknown): { errorName: string; args: readonly unknown[] } | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  if (reverted.data?.errorName) return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
  if (reverted.raw === undefined) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: abis.ConsentRegistry, data: reverted.raw });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

/** Handles one relay request: the parsed JSON body (or undefined when it was not JSON) and the client's IP. */
export async function relay(body: unknown, clientIp: string): Promise<RelayResponse> {
  const call = parseRelayRequest(body);
  if ("status" in call) return call;

  relayer ??= createRelayer();
  const { account, publicClient, walletClient, limiter } = relayer;
  if ("problem" in account || walletClient === undefined) {
    return fail(503, "relayer_not_configured", "problem" in account ? account.problem : "No relayer account.");
  }

  const limited = limiter.take([`ip:${clientIp}`, `patient:${call.patient.toLowerCase()}`]);
  if (!limited.allowed) {
    return fail(
      429,
      "rate_limited",
      `Too many gas-free requests: at most ${RATE_LIMIT.requests} a minute from one network address, and for one patient. ` +
        `Try again in ${limited.retryAfter} seconds.`,
      { "Retry-After": String(limited.retryAfter) },
    );
  }

  const contract = { address: appConfig.addresses.consentRegistry, abi: abis.ConsentRegistry } as const;
  const send = async (): Promise<RelayResponse> => {
    let request;
    try {
      // A revert here (bad signature, expired deadline, inactive provider…) costs the relayer nothing.
      ({ request } = await publicClient.simulateContract({
        ...contract,
        functionName: call.functionName,
        args: call.args,
        account,
      } as never));
    } catch (error) {
      const revert = revertOf(error);
      if (revert !== undefined) return fail(422, revert.errorName, explainError(revert.errorName, revert.args));
      return fail(502, "chain_unavailable", "The relay could not reach the blockchain node. Try again shortly.");
    }
    try {
      const hash = await walletClient.writeContract(request as never);
      return { status: 200, body: { hash } };
    } catch (error) {
      const reason = error instanceof BaseError ? error.shortMessage : String(error);
      return fail(502, "relay_failed", `The relay could not send the transaction: ${reason}`);
    }
  };
  const result = sendQueue.then(send, send);
  sendQueue = result.catch(() => undefined);
  return result;
}
