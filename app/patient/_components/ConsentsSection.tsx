"use client";
// Consents by state, with revoke on each live one and "revoke everything" behind a confirmation. After a revoke, a
// gas-free signature this browser made and could not see relayed is cancelled if it could still be used.
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { Address } from "viem";
import { ConsentList } from "@/app/_components/ConsentList";
import { ListFreshnessNotice } from "@/app/_components/ListFreshnessNotice";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { useListFreshness } from "@/app/_hooks/useListFreshness";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { useUnrelayedSignatures } from "@/app/_hooks/useUnrelayedSignatures";
import type { ConsentEntry } from "@/lib/consentClient";
import { joinWords } from "@/lib/consentCodes";
import { formatDateTime } from "@/lib/format";
import { useConsents, useNames } from "./usePatientData";

const isLive = (c: ConsentEntry) => c.state === "active" || c.state === "expiring";

export function ConsentsSection({
  patient,
  headerActions,
  consentActions,
}: {
  patient: Address;
  /** Links beside "Revoke everything" (e.g. the grant flow's "Grant access"). */
  headerActions?: ReactNode;
  /** More controls on each live consent's card, beside "Revoke" (e.g. "Change"). */
  consentActions?: (consent: ConsentEntry) => ReactNode;
}) {
  const consents = useConsents(patient);
  const freshness = useListFreshness(consents);
  const tx = useTransactor();
  const unrelayed = useUnrelayedSignatures();
  const live = (consents.data ?? []).filter(isLive);
  const nameOf = useNames(live.map((c) => c.grantee));

  /**
   * A signature for a gas-free change that this browser made and could not see relayed would outlive a revoke until
   * its deadline: if it still could be relayed, spend its nonce (useNonce) so nobody can.
   */
  const cancelUnrelayed = async () => {
    const pending = await unrelayed.toCancel(patient).catch(() => undefined);
    if (pending === undefined) return;
    await tx.send(
      `Cancelling the signature you gave earlier that MedConsent could not send (it could otherwise still be used ` +
        `until ${formatDateTime(pending.deadline)})`,
      { contract: "ConsentRegistry", functionName: "useNonce", args: [] },
    );
  };

  const revoke = async (consent: ConsentEntry) => {
    const done = await tx.send(`Revoking ${nameOf(consent.grantee) ?? "the provider"}'s access`, {
      contract: "ConsentRegistry",
      functionName: "revokeConsent",
      args: [consent.grantee],
    });
    if (done) await cancelUnrelayed();
    return done !== undefined;
  };

  // Revoke-all also spends the patient's nonce on chain, so every signature not yet relayed is void; this only
  // forgets what this browser remembered (and would cancel, should one still be usable).
  const revokeAll = async () => {
    const done = await tx.send("Revoking every consent", {
      contract: "ConsentRegistry",
      functionName: "revokeAllConsents",
      args: [],
    });
    if (done) await cancelUnrelayed();
  };

  return (
    <section id="consents" aria-labelledby="consents-heading" className="patient-section">
      <h2 id="consents-heading">Consents</h2>
      <p className="muted">Who may see which kinds of your data, for what, and until when.</p>
      <div className="section-actions">
        {headerActions}
        <RevokeAllDialog
          liveNames={live.map((c) => nameOf(c.grantee) ?? c.grantee)}
          busy={tx.busy}
          onConfirm={revokeAll}
        />
      </div>
      <TransactionStatus state={tx.state} />
      <ListFreshnessNotice freshness={freshness} />
      {consents.isPending ? <p>Loading your consents…</p> : null}
      {consents.error ? (
        <p role="alert" className="notice error">
          Could not read your consents from the chain: {consents.error.message}
        </p>
      ) : null}
      {consents.data ? (
        <ConsentList
          consents={consents.data}
          perspective="patient"
          headingLevel={3}
          actions={(consent) =>
            isLive(consent) ? (
              <>
                <RevokeButton
                  providerName={nameOf(consent.grantee) ?? "this provider"}
                  busy={tx.busy}
                  onConfirm={() => revoke(consent)}
                />
                {consentActions?.(consent)}
              </>
            ) : null
          }
        />
      ) : null}
    </section>
  );
}

/** "Revoke", then an inline confirmation that says plainly what revoking can and cannot undo. */
function RevokeButton({
  providerName,
  busy,
  onConfirm,
}: {
  providerName: string;
  busy: boolean;
  onConfirm: () => Promise<boolean>;
}) {
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const messageId = useId();
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (!confirming) {
    return (
      <button ref={openRef} type="button" disabled={busy} onClick={() => setConfirming(true)}>
        Revoke
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-label={`Revoke ${providerName}'s access`}>
      <p id={messageId}>
        {providerName} will lose access from the next block. Records it already read cannot be un-read.
      </p>
      <button
        ref={confirmRef}
        type="button"
        className="danger"
        aria-describedby={messageId}
        disabled={busy}
        onClick={async () => {
          if (await onConfirm()) setConfirming(false);
        }}
      >
        Yes, revoke access
      </button>{" "}
      <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
        Keep access
      </button>
    </div>
  );
}

/** "Revoke everything": a modal dialog (focus moves in, Escape closes) that says what will happen. */
function RevokeAllDialog({
  liveNames,
  busy,
  onConfirm,
}: {
  liveNames: string[];
  busy: boolean;
  onConfirm: () => Promise<void>;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const keepRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const textId = useId();
  const count = liveNames.length;

  const open = () => {
    dialogRef.current?.showModal();
    keepRef.current?.focus();
  };
  const close = () => dialogRef.current?.close();

  return (
    <>
      <button ref={triggerRef} type="button" className="danger" disabled={busy} onClick={open}>
        Revoke everything
      </button>
      <dialog
        ref={dialogRef}
        className="modal"
        aria-labelledby={titleId}
        aria-describedby={textId}
        onClose={() => triggerRef.current?.focus()}
      >
        <h2 id={titleId}>Revoke every consent?</h2>
        <div id={textId}>
          <p>
            Every provider loses access at once:{" "}
            <strong>
              {count} active {count === 1 ? "consent" : "consents"}
            </strong>
            {count > 0 ? ` (${joinWords(liveNames)})` : ""}. Records they already read cannot be un-read.
          </p>
          <p>
            It also <strong>removes all your delegates</strong> (you can name them again afterwards) and cancels every
            signature you gave that has not been used yet.
          </p>
        </div>
        <div className="dialog-actions">
          <button ref={keepRef} type="button" onClick={close}>
            Keep my consents
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => {
              close();
              void onConfirm();
            }}
          >
            Revoke everything
          </button>
        </div>
      </dialog>
    </>
  );
}
