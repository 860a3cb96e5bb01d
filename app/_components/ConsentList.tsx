"use client";
// Consents grouped by state, each in plain words, with the other party's name from the provider registry.
import type { ReactNode } from "react";
import type { Address } from "viem";
import { useProviderNames } from "@/app/_hooks/useProviderNames";
import { summarizeConsent, type ConsentEntry, type ConsentState } from "@/lib/consentClient";
import { shortAddress } from "@/lib/format";

const GROUPS: { state: ConsentState; title: string }[] = [
  { state: "active", title: "Active" },
  { state: "expiring", title: "Expiring within 7 days" },
  { state: "expired", title: "Expired" },
  { state: "revoked", title: "Revoked" },
];

export function ConsentList({
  consents,
  perspective,
  actions,
  headingLevel = 2,
}: {
  consents: ConsentEntry[];
  perspective: "patient" | "provider";
  /** Controls shown on a consent's card (e.g. revoke, change); return null for none. */
  actions?: (consent: ConsentEntry) => ReactNode;
  /** The level of the group headings, to fit the page's outline. */
  headingLevel?: 2 | 3;
}) {
  if (consents.length === 0) return <p>No consents yet.</p>;
  const Heading = headingLevel === 3 ? "h3" : "h2";
  return (
    <>
      {GROUPS.map(({ state, title }) => {
        const group = consents.filter((c) => c.state === state);
        if (group.length === 0) return null;
        return (
          <section key={state} aria-labelledby={`group-${state}`}>
            <Heading id={`group-${state}`}>
              {title} ({group.length})
            </Heading>
            <ul className="cards">
              {group.map((consent) => {
                const controls = actions?.(consent);
                return (
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
                    {controls ? <div className="card-actions">{controls}</div> : null}
                  </li>
                );
              })}
            </ul>
          </section>
        );
      })}
    </>
  );
}

function ProviderName({ address }: { address: Address }) {
  const nameOf = useProviderNames([address]);
  return <strong title={address}>{nameOf(address) || shortAddress(address)}</strong>;
}
