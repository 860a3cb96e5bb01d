"use client";
// "Who read my records": every read the gateway served from the patient's records, and a proof of each on the chain.
import type { Address } from "viem";
import { GatewaySignIn } from "@/app/_components/vault/GatewaySignIn";
import { useAnchorNow, useDisclosures } from "@/app/_hooks/useVaultDisclosures";
import { EMERGENCY } from "@/lib/consentCodes";
import { formatDateTime } from "@/lib/format";
import { describeVaultFailure, type AnchorOutcome } from "@/app/_lib/gatewayClient";
import { useNames } from "./usePatientData";
import dynamic from "next/dynamic";

// The reads and their proof checks load once the patient is signed in to the gateway and has some to show.
const DisclosureItem = dynamic(() => import("./DisclosureItem").then((m) => m.DisclosureItem));

export function DisclosuresSection({ patient }: { patient: Address }) {
  const disclosures = useDisclosures(patient);
  const anchor = useAnchorNow(patient);
  const nameOf = useNames((disclosures.data ?? []).map((d) => d.reader));
  const entries = disclosures.data ?? [];

  return (
    <section id="reads" aria-labelledby="reads-heading" className="patient-section">
      <h2 id="reads-heading">Who read my records</h2>
      <p className="muted">
        The gateway logs every record it hands out, before it hands it out, and anchors the log on the chain, so you can
        prove a read happened and that the log was not rewritten. Data already read cannot be recalled.
      </p>
      <GatewaySignIn why="The gateway shows this log only to you.">
        {disclosures.isPending ? <p>Loading the reads…</p> : null}
        {disclosures.error ? (
          <p role="alert" className="notice error">
            {describeVaultFailure(disclosures.error)}
          </p>
        ) : null}
        {disclosures.data?.length === 0 ? <p>Nobody has read your records through the gateway.</p> : null}
        <ul className="cards">
          {entries.map((entry) => (
            <li
              key={String(entry.id)}
              className={entry.purpose === EMERGENCY ? "card disclosure emergency" : "card disclosure"}
              data-id={String(entry.id)}
            >
              <DisclosureItem
                entry={entry}
                readerName={
                  entry.reader.toLowerCase() === patient.toLowerCase() ? "You" : (nameOf(entry.reader) ?? entry.reader)
                }
                anchoring={anchor.isPending}
                onAnchor={() => anchor.mutate()}
              />
            </li>
          ))}
        </ul>
        {anchor.error ? (
          <p role="alert" className="notice error">
            Could not anchor now: {describeVaultFailure(anchor.error)}
          </p>
        ) : null}
        {anchor.isSuccess ? <AnchorNotice outcome={anchor.data} /> : null}
      </GatewaySignIn>
    </section>
  );
}

/** What "Anchor now" did: nothing to do, deferred (the gateway anchors at most once an interval), or still on its way. */
function AnchorNotice({ outcome }: { outcome: AnchorOutcome }) {
  let text: string | undefined;
  if (outcome.anchored?.status === "pending") {
    text = "The anchor is on its way to the chain: check again in a minute.";
  } else if (outcome.anchored === null && outcome.nextAnchorAt !== undefined) {
    text = `The gateway anchored its log a moment ago and anchors at most once an interval: ask again after ${formatDateTime(outcome.nextAnchorAt)}.`;
  } else if (outcome.anchored === null) {
    text = "Nothing was waiting to be anchored.";
  }
  return text === undefined ? null : (
    <p role="status" className="notice">
      {text}
    </p>
  );
}
