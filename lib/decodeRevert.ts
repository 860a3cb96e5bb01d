// Finding a contract revert's raw data in whatever error a viem call threw, so callers can decode it against their ABI.
import { BaseError, ContractFunctionRevertedError, isHex, type Hex } from "viem";

/**
 * The revert data carried somewhere in an RPC error's cause chain: a ContractFunctionRevertedError's `raw`, or hex
 * (directly or nested under `data`) in some error's `data`.
 */
export function revertDataOf(error: unknown): Hex | undefined {
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
