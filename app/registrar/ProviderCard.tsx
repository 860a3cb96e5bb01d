"use client";
// One provider in the registrar's list, with its own transaction state so the result shows where the click was.
import { useEffect, useRef, useState } from "react";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { formatDate } from "@/lib/format";
import type { ProviderInfo } from "@/lib/providers";

export function ProviderCard({ provider, canManage }: { provider: ProviderInfo; canManage: boolean }) {
  const tx = useTransactor();
  const [confirmSuspend, setConfirmSuspend] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const headingId = `provider-${provider.address}`;
  const registry = { contract: "ProviderRegistry" } as const;

  useEffect(() => {
    if (confirmSuspend) confirmRef.current?.focus();
  }, [confirmSuspend]);

  const suspend = async () => {
    await tx.send(`Suspend ${provider.name}`, {
      ...registry,
      functionName: "suspendProvider",
      args: [provider.address],
    });
    setConfirmSuspend(false);
  };
  const reinstate = () =>
    tx.send(`Reinstate ${provider.name}`, { ...registry, functionName: "reinstateProvider", args: [provider.address] });
  const setEmergency = (capable: boolean) =>
    tx.send(capable ? `Allow emergency access for ${provider.name}` : `Remove emergency access of ${provider.name}`, {
      ...registry,
      functionName: "setEmergencyCapable",
      args: [provider.address, capable],
    });

  return (
    <li className="card provider-card" data-provider={provider.address}>
      <h3 id={headingId}>{provider.name}</h3>
      <dl className="facts">
        <div>
          <dt>Kind</dt>
          <dd>{provider.kindName}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <span className={`state state-${provider.status === "active" ? "active" : "revoked"}`}>
              {provider.status}
            </span>
          </dd>
        </div>
        <div>
          <dt>Emergency access</dt>
          <dd>{provider.emergencyCapable ? "capable" : "no"}</dd>
        </div>
        <div>
          <dt>Registered</dt>
          <dd>{formatDate(provider.registeredAt)}</dd>
        </div>
        <div className="wide">
          <dt>Address</dt>
          <dd className="mono">{provider.address}</dd>
        </div>
      </dl>
      {canManage ? (
        <>
          {confirmSuspend ? (
            <div className="confirm" role="group" aria-label={`Confirm suspending ${provider.name}`}>
              <p>
                Suspend <strong>{provider.name}</strong>? It loses access to every patient at once. Patients&rsquo;
                consents stay as they are and apply again if you reinstate it.
              </p>
              <p className="inline-actions">
                <button
                  ref={confirmRef}
                  type="button"
                  className="primary danger"
                  disabled={tx.busy}
                  onClick={() => void suspend()}
                >
                  Yes, suspend
                </button>{" "}
                <button type="button" disabled={tx.busy} onClick={() => setConfirmSuspend(false)}>
                  Cancel
                </button>
              </p>
            </div>
          ) : (
            <p className="inline-actions">
              {provider.status === "active" ? (
                <button
                  type="button"
                  disabled={tx.busy}
                  aria-label={`Suspend ${provider.name}`}
                  onClick={() => {
                    tx.reset();
                    setConfirmSuspend(true);
                  }}
                >
                  Suspend
                </button>
              ) : (
                <button
                  type="button"
                  disabled={tx.busy}
                  aria-label={`Reinstate ${provider.name}`}
                  onClick={() => void reinstate()}
                >
                  Reinstate
                </button>
              )}{" "}
              <button
                type="button"
                disabled={tx.busy}
                aria-label={`${provider.emergencyCapable ? "Remove emergency access of" : "Allow emergency access for"} ${provider.name}`}
                onClick={() => void setEmergency(!provider.emergencyCapable)}
              >
                {provider.emergencyCapable ? "Remove emergency access" : "Allow emergency access"}
              </button>
            </p>
          )}
          <TransactionStatus state={tx.state} />
        </>
      ) : null}
    </li>
  );
}
