"use client";
// "Sign in to the gateway": shown where the gateway is needed, until this wallet has a session. One signature, no fee.
import type { ReactNode } from "react";
import { useGatewaySession } from "@/app/_hooks/useGatewaySession";
import { describeVaultFailure } from "@/app/_lib/gatewayClient";

export function GatewaySignIn({ why, children }: { why: string; children?: ReactNode }) {
  const session = useGatewaySession();
  if (session.signedIn) return <>{children}</>;
  if (session.checking) return <p className="muted">Checking your gateway session…</p>;
  return (
    <div className="notice gateway-sign-in">
      <p>
        {why} Sign in to the gateway with your wallet: it asks for a signature, which costs nothing and sends no
        transaction.
      </p>
      <button
        type="button"
        className="primary"
        disabled={session.signIn.isPending}
        onClick={() => session.signIn.mutate()}
      >
        {session.signIn.isPending ? "Signing in…" : "Sign in to the gateway"}
      </button>
      {session.signIn.error ? (
        <p role="alert" className="field-error">
          {describeVaultFailure(session.signIn.error)}
        </p>
      ) : null}
    </div>
  );
}
