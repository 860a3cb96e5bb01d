"use client";
// The grant flow's review step: what the patient is agreeing to, in plain words, then the choice of how to confirm
// (a gas-free signature, or a transaction); after confirmation, sharing existing records with the provider.
import Link from "next/link";
import { useEffect, useRef } from "react";
import type { Address } from "viem";
import { useConnection } from "wagmi";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { appConfig } from "@/app/_lib/appConfig";
import { PASSKEY_CONNECTOR_TYPE } from "@/app/_lib/passkeyConnector";
import { hasSensitive, reviewSentence } from "@/app/_lib/grantForm";
import { summarizeConsent } from "@/lib/consentClient";
import { READ } from "@/lib/consentCodes";
import type { GrantArgs } from "@/lib/consentSignatures";
import { patientLabel } from "./ActingFor";
import { ShareAfterGrant } from "./ShareAfterGrant";
import { useGrantConsent } from "./useGrantConsent";
import type { ExistingConsent } from "./useExistingConsent";

export function GrantReview({
  patient,
  actingFor,
  changing,
  reviewed,
  providerName,
  yours,
  current,
  onBack,
}: {
  patient: Address;
  actingFor?: Address;
  changing: boolean;
  reviewed: GrantArgs;
  providerName: string;
  /** "your", or the possessive of the patient a delegate acts for. */
  yours: string;
  /** The provider's consent from this patient now, if any. */
  current?: ExistingConsent;
  onBack: () => void;
}) {
  const { chainId, connector } = useConnection();
  const consent = useGrantConsent({ patient, actingFor, changing });
  const tx = consent.tx;
  const reviewHeading = useRef<HTMLHeadingElement>(null);
  const doneHeading = useRef<HTMLHeadingElement>(null);
  const wrongNetwork = chainId !== appConfig.chain.id;
  const confirmed = tx.state.phase === "confirmed";
  const busy = tx.busy;
  // A passkey account sends every change through the gateway, which pays: one button, no fee, one passkey prompt.
  const isPasskey = connector?.type === PASSKEY_CONNECTOR_TYPE;

  useEffect(() => {
    reviewHeading.current?.focus();
  }, []);
  useEffect(() => {
    if (confirmed) doneHeading.current?.focus();
  }, [confirmed]);

  const sentence = reviewSentence(providerName, reviewed, yours);
  const replaces = current?.live ? current : undefined;
  return (
    <>
      <h1 ref={reviewHeading} tabIndex={-1}>
        {confirmed ? "Done" : "Check before you confirm"}
      </h1>
      <section className="grant-review" aria-label="What you are agreeing to">
        {actingFor !== undefined ? (
          <p data-testid="acting-for-review">
            You are acting for <strong>{patientLabel(actingFor)}</strong> as their delegate.
          </p>
        ) : null}
        <p className="grant-sentence">{sentence}.</p>
        {replaces && !confirmed ? (
          <p className="muted">
            This replaces what {providerName} may do now: {summarizeConsent(replaces, yours)}.
          </p>
        ) : null}
        {hasSensitive(reviewed.categories) ? (
          <p className="sensitive-warning">
            <strong>This includes sensitive data.</strong> Make sure {providerName} really needs it.
          </p>
        ) : null}
        <p className="muted">
          You can change or revoke this access at any time. Data a provider has already read cannot be un-read.
        </p>
      </section>

      <TransactionStatus state={tx.state} />

      {confirmed ? (
        <div className="grant-done">
          <h2 ref={doneHeading} tabIndex={-1}>
            {changing ? "Access changed" : "Access granted"}
          </h2>
          {actingFor === undefined && (reviewed.actions & READ) !== 0 ? (
            <ShareAfterGrant
              patient={patient}
              grantee={reviewed.grantee}
              providerName={providerName}
              categories={reviewed.categories}
            />
          ) : null}
          <p>
            <Link href="/patient" className="button-link primary">
              Back to your consents
            </Link>{" "}
            <Link href="/patient/grant">Give another provider access</Link>
          </p>
        </div>
      ) : (
        <>
          {wrongNetwork ? (
            <p className="notice" role="status">
              Switch your wallet to {appConfig.chain.name} (see the prompt at the top) to confirm.
            </p>
          ) : null}
          <div className="grant-submit">
            {isPasskey ? (
              <button
                type="button"
                className="primary"
                disabled={busy || wrongNetwork}
                onClick={() => consent.grantByTransaction(reviewed)}
              >
                Confirm with your passkey (no fee)
              </button>
            ) : null}
            {actingFor === undefined && !isPasskey ? (
              <button
                type="button"
                className="primary"
                disabled={busy || wrongNetwork}
                onClick={() => consent.grantGasFree(reviewed)}
              >
                Confirm with a signature (no fee)
              </button>
            ) : null}
            {isPasskey ? null : (
              <button
                type="button"
                className={actingFor === undefined ? undefined : "primary"}
                disabled={busy || wrongNetwork}
                onClick={() => consent.grantByTransaction(reviewed)}
              >
                Confirm with a transaction (you pay the network fee)
              </button>
            )}
            <button type="button" disabled={busy} onClick={onBack}>
              Back to edit
            </button>
          </div>
          <p className="muted">
            {isPasskey
              ? "Your passkey approves it, and MedConsent sends it to the blockchain for you, at no cost to you."
              : actingFor === undefined
                ? "With a signature, your wallet only signs a message and MedConsent sends it to the blockchain for you, at no cost to you. With a transaction, your wallet sends it and pays a small network fee."
                : "As a delegate you confirm with a transaction: your wallet sends it and pays a small network fee."}
          </p>
        </>
      )}
    </>
  );
}
