"use client";
// Before each passkey prompt: what the signature approves, in plain words (the device's own prompt says only "use
// your passkey"). A modal dialog: focus moves in, Escape declines.
import { useEffect, useRef, useSyncExternalStore } from "react";
import { pendingApproval, subscribeToApprovals } from "@/app/_lib/passkeyApproval";

export function PasskeyApprovalDialog() {
  const pending = useSyncExternalStore(subscribeToApprovals, pendingApproval, () => undefined);
  const dialogRef = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (pending && !dialog.open) dialog.showModal();
    if (!pending && dialog.open) dialog.close();
  }, [pending]);

  return (
    <dialog
      ref={dialogRef}
      className="modal passkey-approval"
      aria-labelledby="passkey-approval-title"
      onCancel={(event) => {
        event.preventDefault();
        pending?.decline();
      }}
    >
      {pending ? (
        <>
          <h2 id="passkey-approval-title">{pending.words.title}</h2>
          {pending.words.details.map((line) => (
            <p key={line}>{line}</p>
          ))}
          <p className="muted">Your device will ask for your face, fingerprint or screen lock to approve it.</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => pending.decline()}>
              Cancel
            </button>
            <button type="button" className="primary" autoFocus onClick={() => pending.approve()}>
              Approve with passkey
            </button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}
