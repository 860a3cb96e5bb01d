"use client";
// After a grant: the patient's existing records in the granted categories are re-wrapped for the provider, so it can
// read what was there before, not only what comes next. A provider without a published key does not fail the grant.
import { useEffect, useRef } from "react";
import type { Address } from "viem";
import { useEncryptionKey } from "@/app/_hooks/useEncryptionKey";
import { useGatewaySession } from "@/app/_hooks/useGatewaySession";
import { useReshareAfterGrant, useResharePlan } from "@/app/_hooks/useVaultShare";
import { describeVaultFailure } from "@/app/_lib/gatewayClient";

export function ShareAfterGrant({
  patient,
  grantee,
  providerName,
  categories,
}: {
  patient: Address;
  grantee: Address;
  providerName: string;
  categories: bigint;
}) {
  const plan = useResharePlan(patient, grantee, categories);
  const reshare = useReshareAfterGrant(patient);
  const session = useGatewaySession();
  const key = useEncryptionKey(patient);
  const started = useRef(false);
  // Without a wallet prompt only: when this tab is already signed in and unlocked, share at once; otherwise ask.
  const needed = plan.data !== undefined && plan.data.granteeHasKey && plan.data.records > 0;
  const ready = needed && session.signedIn && key.keyPair !== undefined;
  useEffect(() => {
    if (ready && !started.current) {
      started.current = true;
      reshare.mutate({ grantee, categories });
    }
  }, [ready, reshare, grantee, categories]);

  const result =
    reshare.data ??
    (plan.data === undefined || needed
      ? undefined
      : plan.data.granteeHasKey
        ? ({ outcome: "no-records" } as const)
        : ({ outcome: "no-key" } as const));
  return (
    <div role="status" aria-live="polite" className="share-after-grant" data-testid="share-after-grant">
      {reshare.isPending ? <p className="notice">Sharing your existing records with {providerName}…</p> : null}
      {result?.outcome === "no-key" ? (
        <p className="notice">
          {providerName} will be able to read new shares once they publish an encryption key. Your access choice is
          saved either way.
        </p>
      ) : null}
      {result?.outcome === "no-records" ? (
        <p className="muted">You have no records of these kinds yet: new ones will be shared as you upload them.</p>
      ) : null}
      {result?.outcome === "shared" ? (
        <p className="notice success">
          {result.shared === 0
            ? `None of your records of these kinds is in the encrypted vault, so there was nothing to share with ${providerName}.`
            : `${providerName} can now open ${result.shared} existing ${result.shared === 1 ? "record" : "records"} of yours in these categories.`}
        </p>
      ) : null}
      {reshare.error ? (
        <p className="notice error">
          Your access choice is saved, but your existing records were not shared: {describeVaultFailure(reshare.error)}
        </p>
      ) : null}
      {plan.error ? (
        <p className="notice error">Could not check which records to share: {describeVaultFailure(plan.error)}</p>
      ) : null}
      {needed && !reshare.isPending && !result ? (
        <p>
          <button type="button" onClick={() => reshare.mutate({ grantee, categories })}>
            Share my existing records with {providerName}
          </button>{" "}
          <span className="muted">(sign in to the gateway and unlock your key: signatures only, no fee)</span>
        </p>
      ) : null}
    </div>
  );
}
