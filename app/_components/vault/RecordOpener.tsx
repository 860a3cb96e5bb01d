"use client";
// "Open" on one record: purpose (for a provider), the gateway's answer in plain words, and the decrypted file.
import dynamic from "next/dynamic";
import { useId, useState } from "react";
import type { Address } from "viem";
import { useVaultRecord } from "@/app/_hooks/useVaultRecord";
import { PURPOSES } from "@/lib/consentCodes";
import { describeVaultFailure, GatewayError } from "@/app/_lib/gatewayClient";
import { GatewaySignIn } from "./GatewaySignIn";

// The viewer and its FHIR views load with the first opened record, not with the page.
const RecordViewer = dynamic(() => import("./RecordViewer").then((m) => m.RecordViewer));

export function RecordOpener({
  reader,
  patient,
  recordId,
  askPurpose,
  purpose: fixedPurpose,
}: {
  reader: Address;
  patient: Address;
  recordId: bigint;
  /** A provider says why it reads (the gateway checks that purpose); the patient reading their own does not. */
  askPurpose: boolean;
  /** A purpose decided by the context (break-glass reads are for emergency care): no choice is offered. */
  purpose?: string;
}) {
  const open = useVaultRecord(reader);
  const [purpose, setPurpose] = useState<string>("treatment");
  const purposeId = useId();
  const title = `Record ${recordId}`;
  const signInNeeded = open.error instanceof GatewayError && open.error.needsSignIn;

  return (
    <div className="record-opener">
      <div className="inline-form">
        {askPurpose && fixedPurpose === undefined ? (
          <div className="field">
            <label htmlFor={purposeId}>Purpose of reading record {String(recordId)}</label>
            <select id={purposeId} value={purpose} onChange={(e) => setPurpose(e.target.value)}>
              {PURPOSES.map((p) => (
                <option key={p.key} value={p.key}>
                  {p.label[0].toUpperCase() + p.label.slice(1)}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <button
          type="button"
          disabled={open.isPending}
          onClick={() =>
            open.mutate({ patient, recordId, purpose: fixedPurpose ?? (askPurpose ? purpose : undefined) })
          }
        >
          {open.isPending ? "Opening…" : "Open"}
          <span className="visually-hidden"> record {String(recordId)}</span>
        </button>
      </div>
      <div role="status" aria-live="polite">
        {open.isPending ? <p className="notice">Asking the gateway, then decrypting in your browser…</p> : null}
        {open.error && !signInNeeded ? (
          <p className="notice error" data-testid="open-refused">
            {describeVaultFailure(open.error)}
          </p>
        ) : null}
        {open.data ? (
          <p className="notice success">Decrypted in your browser; its fingerprint matches the one on the chain.</p>
        ) : null}
      </div>
      {signInNeeded ? <GatewaySignIn why="Your gateway session has ended." /> : null}
      {open.data && !open.isPending ? <RecordViewer file={open.data.file} title={title} /> : null}
    </div>
  );
}
