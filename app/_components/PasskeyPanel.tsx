"use client";
// "Continue with a passkey", beside the wallet list: a newcomer creates a passkey account (the gateway deploys it and
// pays), a returning patient picks a passkey they already have. The browser's prompt starts inside the click, as
// Safari requires; the signing code is fetched when the pointer or focus reaches a passkey button, so a wallet user
// who only opens the menu never downloads it.
import { useQueryClient } from "@tanstack/react-query";
import { useState, useSyncExternalStore } from "react";
import { useConnect, useConnectors } from "wagmi";
import { PASSKEY_CONNECTOR_TYPE } from "@/app/_lib/passkeyConnector";
import { describeVaultFailure } from "@/app/_lib/gatewayClient";
import { createPasskey, getAssertion, passkeysAvailable } from "@/lib/passkey/ceremony";

const noSubscription = () => () => {};
const loadSigner = () => import("@/app/_lib/passkeySigner");
const prefetchSigner = () => void loadSigner();
const randomChallenge = () =>
  `0x${Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("")}` as const;

export function PasskeyPanel({ onConnected }: { onConnected: () => void }) {
  const connectors = useConnectors();
  const connect = useConnect();
  const queryClient = useQueryClient();
  const [step, setStep] = useState<string>();
  const [error, setError] = useState<string>();
  // Known only in the browser (a secure context with WebAuthn); assumed on the server, so nothing flashes.
  const available = useSyncExternalStore(noSubscription, passkeysAvailable, () => true);
  const busy = step !== undefined;

  const connector = connectors.find((c) => c.type === PASSKEY_CONNECTOR_TYPE);

  async function run(flow: () => Promise<unknown>) {
    setError(undefined);
    try {
      await flow();
      if (!connector) throw new Error("Passkey accounts are not configured.");
      await connect.mutateAsync({ connector });
      await queryClient.invalidateQueries();
      onConnected();
    } catch (failure) {
      setError(describeVaultFailure(failure));
    } finally {
      setStep(undefined);
    }
  }

  const create = () =>
    run(async () => {
      setStep("Creating your passkey…");
      // First, inside the click: the device's own prompt (Face ID, fingerprint, screen lock).
      const created = await createPasskey({ userName: `MedConsent patient ${new Date().toISOString().slice(0, 10)}` });
      const signer = await loadSigner();
      return signer.createPasskeyAccount(created, setStep);
    });

  const useExisting = () =>
    run(async () => {
      setStep("Choose your passkey…");
      const challenge = randomChallenge();
      const assertion = await getAssertion({ challenge });
      const signer = await loadSigner();
      setStep("Finding your account…");
      return signer.findPasskeyAccount(assertion, challenge);
    });

  if (!available) {
    return (
      <p className="muted">
        Passkeys need a secure page (https, or localhost) and a recent browser; this one cannot make them.
      </p>
    );
  }
  return (
    <div className="passkey-panel">
      <p className="muted">
        No wallet? Your passkey is your account: Face ID, a fingerprint or your screen lock approves each step, and
        MedConsent pays every fee.
      </p>
      <ul>
        <li>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={create}
            onPointerEnter={prefetchSigner}
            onFocus={prefetchSigner}
          >
            Continue with a passkey
          </button>
        </li>
        <li>
          <button
            type="button"
            disabled={busy}
            onClick={useExisting}
            onPointerEnter={prefetchSigner}
            onFocus={prefetchSigner}
          >
            Use a passkey I already have
          </button>
        </li>
      </ul>
      {step ? (
        <p role="status" className="notice">
          {step}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="notice error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
