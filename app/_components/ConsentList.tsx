"use client";
// Consents grouped by state, each in plain words, with the other party's name from the provider registry.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useConsentClient } from "../_hooks/useConsentClient";
import { summarizeConsent, type ConsentEntry, type ConsentState } from "../_lib/consentClient";
import { shortAddress } from "../_lib/format";

const GROUPS: { state: ConsentState; title: string }[] = [
  { state: "active", title: "Active" },
  { state: "expiring", title: "Expiring within 7 days" },
  { state: "expired", title: "Expired" },
  { state: "revoked", title: "Revoked" },
];

export function ConsentList({
  consents,
  perspective,
}: {
  consents: ConsentEntry[];
  perspective: "patient" | "provider";
}) {
  if (consents.length === 0) return <p>No consents yet.</p>;
  return (
    <>
      {GROUPS.map(({ state, title }) => {
        const group = consents.filter((c) => c.state === state);
        if (group.length === 0) return null;
        return (
          <section key={state} aria-labelledby={`group-${state}`}>
            <h2 id={`group-${state}`}>
              {title} ({group.length})
            </h2>
            <ul className="cards">
              {group.map((consent) => (
                <li key={`${consent.patient}:${consent.grantee}`} className="card">
                  <span className={`state state-${consent.state}`}>{consent.state}</span>{" "}
                  {perspective === "patient" ? (
                    <>
                      <ProviderName address={consent.grantee} /> {summarizeConsent(consent, "your")}
                    </>
                  ) : (
                    <>
                      <span className="mono">{shortAddress(consent.patient)}</span> lets you{" "}
                      {consent.summary.replace(/^may /, "")}
                    </>
                  )}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </>
  );
}

function ProviderName({ address }: { address: Address }) {
  const client = useConsentClient();
  const provider = useQuery({ queryKey: ["provider", address], queryFn: () => client.getProvider(address) });
  return <strong title={address}>{provider.data?.name || shortAddress(address)}</strong>;
}
