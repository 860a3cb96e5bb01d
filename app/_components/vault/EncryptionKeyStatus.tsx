"use client";
// Whether the connected account's encryption key is on the KeyDirectory, with the button that publishes it.
import type { Address } from "viem";
import { useEncryptionKey } from "@/app/_hooks/useEncryptionKey";
import { describeVaultFailure } from "@/app/_lib/gatewayClient";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { NO_PRF_MESSAGE } from "@/lib/passkey/errors";

export function EncryptionKeyStatus({ account, audience }: { account: Address; audience: "patient" | "provider" }) {
  const key = useEncryptionKey(account);
  const published = key.published.data;
  const mismatch = key.keyPair !== undefined && published != null && !key.matches;
  const why =
    audience === "provider"
      ? "Patients can share records with you only once your encryption key is published: records are encrypted to it."
      : "Providers who add records for you encrypt them to your published key.";

  if (key.withoutPrf) {
    return (
      <div className="encryption-key notice warning" data-testid="encryption-key" role="status">
        <p>{NO_PRF_MESSAGE}</p>
      </div>
    );
  }
  return (
    <div className="encryption-key" data-testid="encryption-key">
      <p>
        {published === undefined ? (
          key.published.error ? (
            "Could not read the key directory from the chain."
          ) : (
            "Reading the key directory…"
          )
        ) : published === null ? (
          <>
            Your encryption key is <strong>not published</strong>. {why}
          </>
        ) : mismatch ? (
          <>
            The encryption key published for this account is <strong>not the one this wallet unlocks</strong>: publish
            again so that what is shared from now on can be opened.
          </>
        ) : (
          <>
            Your encryption key is <strong className="setting-on">published</strong>.
          </>
        )}
      </p>
      {published === null || mismatch ? (
        <>
          <button
            type="button"
            className="primary"
            disabled={key.publishTx.busy || key.unlock.isPending}
            onClick={() => void key.publish().catch(() => undefined)}
          >
            Publish my encryption key
          </button>
          <p className="hint">
            {key.isPasskey
              ? "Publishing asks for your passkey twice: once to unlock your key in this tab, then to put its public half on the chain (MedConsent pays the fee)."
              : "Publishing asks for two things: a signature that unlocks your key in this tab (no fee), then a transaction that puts its public half on the chain."}
          </p>
        </>
      ) : null}
      {key.unlock.error ? (
        <p role="alert" className="field-error">
          {describeVaultFailure(key.unlock.error)}
        </p>
      ) : null}
      <TransactionStatus state={key.publishTx.state} />
    </div>
  );
}
