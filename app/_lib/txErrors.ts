// Turns what a wallet or the chain threw into what a person should read: a calm notice when they said no, the
// contract's custom error in plain words, or a short generic message.
import { BaseError, UserRejectedRequestError } from "viem";
import { explainError } from "@/lib/accessErrors";
import { decodeRevert } from "@/lib/decodeRevert";
import { PasskeyError } from "@/lib/passkey/errors";

export type Failure =
  | { kind: "rejected"; message: string }
  | { kind: "reverted"; errorName: string; message: string }
  | { kind: "failed"; message: string };

export function describeFailure(error: unknown): Failure {
  // A passkey account's own refusal (cancelled prompt, no PRF, unsupported device) already speaks plainly.
  const passkey = passkeyErrorIn(error);
  if (passkey !== undefined) {
    return passkey.code === 4001
      ? { kind: "rejected", message: passkey.message }
      : { kind: "failed", message: passkey.message };
  }
  const gatewayRefusal = causeNamed(error, "GatewayError");
  if (gatewayRefusal !== undefined) return { kind: "failed", message: gatewayRefusal.message };
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

function passkeyErrorIn(error: unknown): PasskeyError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current instanceof PasskeyError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The gateway's refusal of a relayed passkey execution (by name: gatewayClient imports this module). */
function causeNamed(error: unknown, name: string): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current instanceof Error && current.name === name) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
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
