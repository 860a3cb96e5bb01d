"use client";
// The emergency setting's key path in plain words: who can technically open the patient's routine records while it is
// on, what turning it off does, and which routine records an emergency department could open now.
import type { ReactNode } from "react";
import { GatewaySignIn } from "@/app/_components/vault/GatewaySignIn";
import type { useEmergencyEscrow } from "@/app/_hooks/useEmergencyEscrow";
import { describeVaultFailure } from "@/app/_lib/gatewayClient";

type Escrow = ReturnType<typeof useEmergencyEscrow>;

/** Who can open what while emergency access is on, and what turning it off does. */
export function EmergencyTrustNote() {
  return (
    <>
      <p>
        In an emergency, a provider that the licensing board flagged as emergency-capable (such as a hospital) may read
        your <strong>routine</strong> data, never the sensitive categories (mental health, substance use, sexual and
        reproductive health, genetic data, HIV and other infectious disease), for 24 hours, even without your consent.
        Every use is logged on the chain and shown in your timeline.
      </p>
      <p>
        <strong>Who can technically open your routine records while it is on:</strong> so that a hospital can read them
        while you cannot act, this portal gives the records gateway a copy of each routine record&rsquo;s key, locked to
        the gateway operator&rsquo;s emergency key. The operator could therefore open your routine records. The gateway
        uses that key only for a provider flagged emergency-capable, only after that provider breaks the glass on the
        chain, and it logs every such read before handing it out; you see each one, marked &ldquo;Emergency&rdquo;,
        under &ldquo;Who read my records&rdquo;. Sensitive records never get such a copy.
      </p>
      <p>
        <strong>Turning it off</strong> ends any emergency access still open, on the chain, and the gateway deletes
        every emergency copy of your record keys. A hospital that already read a record during an emergency cannot be
        made to forget it.
      </p>
    </>
  );
}

/** How many routine records an emergency department could open now, and the follow-up of a change of the setting. */
export function EmergencyEscrowStatus({ escrow, allowed }: { escrow: Escrow; allowed: boolean }) {
  const { status, prepare, withdraw } = escrow;
  const data = status.data;
  const missing = data === undefined ? 0 : data.routine.length - data.prepared.length;
  let summary: ReactNode = null;
  if (data !== undefined && allowed) {
    summary =
      data.routine.length === 0 ? (
        <p>You have no routine records yet; new ones are prepared for emergencies when you upload them.</p>
      ) : (
        <p>
          <strong>
            {data.prepared.length} of {data.routine.length}
          </strong>{" "}
          routine records can be opened in an emergency.
        </p>
      );
  } else if (data !== undefined && data.prepared.length > 0) {
    summary = (
      <p className="notice error">
        Emergency access is off, but the gateway still holds {data.prepared.length} emergency copies. It deletes them on
        its own shortly; you can ask it now.
      </p>
    );
  }

  return (
    <div className="escrow-status" data-testid="escrow-status" role="status" aria-live="polite">
      <GatewaySignIn why="To see which routine records an emergency department could open, the gateway needs to know it is you.">
        {status.error ? <p className="notice error">{describeVaultFailure(status.error)}</p> : null}
        {summary}
        {allowed && missing > 0 ? (
          <button type="button" disabled={prepare.isPending} onClick={() => prepare.mutate()}>
            {prepare.isPending ? "Preparing…" : `Prepare the other ${missing} for emergencies`}
          </button>
        ) : null}
        {!allowed && data !== undefined && data.prepared.length > 0 ? (
          <button type="button" disabled={withdraw.isPending} onClick={() => withdraw.mutate()}>
            {withdraw.isPending ? "Deleting…" : "Delete the emergency copies now"}
          </button>
        ) : null}
      </GatewaySignIn>
      {prepare.isPending ? <p className="notice">Preparing your routine records for emergencies…</p> : null}
      {prepare.data ? (
        <p className="notice success">
          {prepare.data.prepared} routine records prepared for emergencies
          {prepare.data.notInVault > 0 ? ` (${prepare.data.notInVault} were registered without a key to prepare)` : ""}.
        </p>
      ) : null}
      {prepare.error ? (
        <p className="notice error">
          Could not prepare your records for emergencies: {describeVaultFailure(prepare.error)}
        </p>
      ) : null}
      {withdraw.data !== undefined ? (
        <p className="notice success">The gateway deleted {withdraw.data} emergency copies of your record keys.</p>
      ) : null}
      {withdraw.error ? (
        <p className="notice error">
          Could not tell the gateway to delete its emergency copies now ({describeVaultFailure(withdraw.error)}); it
          deletes them on its own shortly, since your setting on the chain is off.
        </p>
      ) : null}
    </div>
  );
}
