// The one passkey approval waiting for the patient: what it approves in plain words, and the ceremony to run when
// they choose to continue. The ceremony runs inside that click, so browsers that want a user gesture for WebAuthn
// (Safari) get one. No React: the connector asks, the dialog (PasskeyApprovalDialog) answers.
import type { ApprovalWords } from "./passkeyApprovalWords";
import { PasskeyError } from "@/lib/passkey/errors";

export interface PendingApproval {
  words: ApprovalWords;
  /** Runs the passkey ceremony; called from the dialog's button. */
  approve(): void;
  /** The patient said no: nothing is signed. */
  decline(): void;
}

let pending: PendingApproval | undefined;
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((listener) => listener());

export const subscribeToApprovals = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};
export const pendingApproval = () => pending;

/** A decline, as a wallet's "no": EIP-1193 code 4001, so every flow shows its calm "you cancelled" notice. */
export const declined = () =>
  new PasskeyError("You cancelled the passkey prompt. Nothing was signed and nothing changed.", { code: 4001 });

/**
 * Shows `words` and, once the patient continues, runs `ceremony` (the passkey prompt); resolves with its result.
 * A newer request replaces one still waiting, which is declined.
 */
export function requestApproval<T>(words: ApprovalWords, ceremony: () => Promise<T>): Promise<T> {
  pending?.decline();
  return new Promise<T>((resolve, reject) => {
    const settle = () => {
      if (pending === entry) {
        pending = undefined;
        changed();
      }
    };
    const entry: PendingApproval = {
      words,
      approve() {
        settle();
        ceremony().then(resolve, reject);
      },
      decline() {
        settle();
        reject(declined());
      },
    };
    pending = entry;
    changed();
  });
}
