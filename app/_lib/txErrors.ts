// Turns what a wallet or the chain threw into what a person should read: a calm notice when they said no, the
// contract's custom error in plain words, or a short generic message.
import { BaseError, UserRejectedRequestError } from "viem";
import { explainError } from "@/lib/accessErrors";
import { decodeRevert } from "@/lib/decodeRevert";

export type Failure =
  | { kind: "rejected"; message: string }
  | { kind: "reverted"; errorName: string; message: string }
  | { kind: "failed"; message: string };

export function describeFailure(error: unknown): Failure {
  if (isUserRejection(error)) {
    return { kind: "rejected", message: "You cancelled in your wallet. Nothing was sent and nothing changed." };
  }
  const revert = decodeRevert(error);
  if (revert !== undefined) {
    return { kind: "reverted", errorName: revert.errorName, message: explainError(revert.errorName, revert.args) };
  }
  if (error instanceof BaseError) return { kind: "failed", message: error.shortMessage };
  return { kind: "failed", message: error instanceof Error ? error.message : String(error) };
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
