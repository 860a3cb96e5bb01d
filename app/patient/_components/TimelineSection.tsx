"use client";
// One audit timeline of everything that happened to the patient's consents and records, newest first.
import { CategoryOptions } from "@/app/_components/CategoryOptions";
import { ListFreshnessNotice } from "@/app/_components/ListFreshnessNotice";
import { useListFreshness } from "@/app/_hooks/useListFreshness";
import { useId, useState } from "react";
import type { Address } from "viem";
import { useDisclosures } from "@/app/_hooks/useVaultDisclosures";
import { emergencyReasonOf } from "@/lib/emergency";
import { formatDateTime } from "@/lib/format";
import { buildTimeline, filterTimeline, timelineProviders } from "@/app/_lib/timeline";
import { useNames, usePatientEvents } from "./usePatientData";

const EMPTY = "";

export function TimelineSection({ patient }: { patient: Address }) {
  const events = usePatientEvents(patient);
  const freshness = useListFreshness(events);
  // The gateway's reads join the timeline once the patient is signed in to it (the same query as "Who read my records").
  const disclosures = useDisclosures(patient);
  const [provider, setProvider] = useState(EMPTY);
  const [category, setCategory] = useState(EMPTY);
  const providerId = useId();
  const categoryId = useId();

  const actors = (events.data ?? [])
    .flatMap((e) => {
      const args = e.args as Partial<Record<"grantee" | "by" | "delegate" | "author", Address>>;
      return [args.grantee, args.by, args.delegate, args.author].filter((a): a is Address => a !== undefined);
    })
    .concat((disclosures.data ?? []).map((d) => d.reader));
  const nameOf = useNames(actors);
  const entries = buildTimeline(events.data ?? [], patient, {
    nameOf,
    describeReason: (hash) => emergencyReasonOf(hash)?.label.toLowerCase(),
    disclosures: disclosures.data,
  });
  const shown = filterTimeline(entries, {
    provider: provider === EMPTY ? undefined : (provider as Address),
    category: category === EMPTY ? undefined : Number(category),
  });
  const filtered = provider !== EMPTY || category !== EMPTY;

  return (
    <section id="timeline" aria-labelledby="timeline-heading" className="patient-section">
      <h2 id="timeline-heading">Timeline</h2>
      <p className="muted">
        Everything recorded on the chain about you: consents given, changed and revoked, delegates, emergency access,
        and records. Nobody can change or delete these entries. Once you are signed in to the gateway, the reads of your
        records it logged appear here too.
      </p>
      <div className="filters">
        <div className="field">
          <label htmlFor={providerId}>Provider</label>
          <select id={providerId} value={provider} onChange={(e) => setProvider(e.target.value)}>
            <option value={EMPTY}>All providers</option>
            {timelineProviders(entries).map((p) => (
              <option key={p} value={p}>
                {nameOf(p) ?? p}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={categoryId}>Kind of data</label>
          <select id={categoryId} value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value={EMPTY}>All kinds</option>
            <CategoryOptions />
          </select>
        </div>
        {filtered ? (
          <button
            type="button"
            onClick={() => {
              setProvider(EMPTY);
              setCategory(EMPTY);
            }}
          >
            Show everything
          </button>
        ) : null}
      </div>
      <ListFreshnessNotice freshness={freshness} />
      {events.isPending ? <p>Loading your timeline…</p> : null}
      {events.error ? (
        <p role="alert" className="notice error">
          Could not read your history from the chain: {events.error.message}
        </p>
      ) : null}
      {events.data ? (
        <p className="muted" role="status">
          {filtered ? `${shown.length} of ${entries.length} events match.` : `${entries.length} events.`}
        </p>
      ) : null}
      <ol className="timeline">
        {shown.map((entry) => (
          <li key={entry.id} className={entry.highlight ? "timeline-entry highlight" : "timeline-entry"}>
            <time dateTime={new Date(entry.timestamp * 1000).toISOString()}>{formatDateTime(entry.timestamp)}</time>
            <p className="timeline-title">
              {entry.highlight ? <span className="badge-emergency">Emergency</span> : null}{" "}
              <strong>{entry.title}</strong>
              {entry.byLine ? <span className="muted"> {entry.byLine}</span> : null}
            </p>
            {entry.detail ? <p className="timeline-detail">{entry.detail}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
