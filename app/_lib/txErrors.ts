// Turns what a wallet or the chain threw into what a person should read: a calm notice when they said no, the
// contract's custom error in plain words, or a short generic message.
import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError, decodeErrorResult, type Abi } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { explainError } from "@/lib/accessErrors";

export type Failure =
  | { kind: "rejected"; message: string }
  | { kind: "reverted"; errorName: string; message: string }
  | { kind: "failed"; message: string };

const ALL_ABIS: Abi = [
  ...abis.ConsentRegistry,
  ...abis.ProviderRegistry,
  ...abis.RecordRegistry,
  ...abis.KeyDirectory,
  ...abis.DisclosureLog,
] as Abi;

export function describeFailure(error: unknown): Failure {
  if (isUserRejection(error)) {
    return { kind: "rejected", message: "You cancelled in your wallet. Nothing was sent and nothing changed." };
  }
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const decoded = reverted.data ?? decodeRaw(reverted.raw);
      if (decoded?.errorName) {
        return {
          kind: "reverted",
          errorName: decoded.errorName,
          message: explainError(decoded.errorName, decoded.args ?? []),
        };
      }
    }
    return { kind: "failed", message: error.shortMessage };
  }
  return { kind: "failed", message: error instanceof Error ? error.message : String(error) };
}

function decodeRaw(raw: `0x${string}` | undefined) {
  if (raw === undefined) return undefined;
  try {
    return decodeErrorResult({ abi: ALL_ABIS, data: raw });
  } catch {
    return undefined;
  }
}

function isUserRejection(error: unknown): boolean {
  if (error instanceof BaseError && error.walk((e) => e instanceof UserRejectedRequestError)) return true;
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    if ((current as { code?: number }).code === 4001) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
