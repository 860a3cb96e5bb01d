// The one revert decoder: finds a contract revert's data in whatever error a viem call (or an EIP-1193 provider) threw
// and decodes it against every MedConsent contract's errors, for the chain reads, the gateway, the CLI and the portal.
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, isHex, type Abi, type Hex } from "viem";
import { abis } from "./contracts/deployedContracts";

export interface DecodedRevert {
  /** The custom error's name, e.g. "AccessNoConsent" (or Solidity's "Error" / "Panic"). */
  errorName: string;
  args: readonly unknown[];
}

// Every contract in the bindings, so the passkey account and its factory (and whatever is added next) decode too.
const MEDCONSENT_ERRORS: Abi = (Object.values(abis) as Abi[]).flat().filter((item) => item.type === "error");

/**
 * The revert data carried somewhere in an error's cause chain: a ContractFunctionRevertedError's `raw`, or hex
 * (directly or nested under `data`) in some error's `data`.
 */
function revertDataOf(error: unknown): Hex | undefined {
  let found: Hex | undefined;
  const pick = (value: unknown): Hex | undefined => {
    if (typeof value === "string" && isHex(value) && value.length >= 10) return value;
    if (typeof value === "object" && value !== null && "data" in value) return pick((value as { data: unknown }).data);
    return undefined;
  };
  if (error instanceof BaseError) {
    error.walk((e) => {
      if (e instanceof ContractFunctionRevertedError && e.raw !== undefined) found ??= e.raw;
      found ??= pick((e as { data?: unknown }).data);
      return found !== undefined;
    });
  }
  return found ?? pick(error);
}

/** The contract error a call reverted with, or undefined when the error carries no revert data we know. */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  const data = revertDataOf(error);
  if (data === undefined) return undefined;
  try {
    const { errorName, args } = decodeErrorResult({ abi: MEDCONSENT_ERRORS, data });
    return { errorName, args: args ?? [] };
  } catch {
    return undefined;
  }
}
