"use client";
// One read of a patient's record, with "Verify": the leaf recomputed here, its proof walked here, and the chain asked.
import { useEffect } from "react";
import { useVerifyDisclosure } from "@/app/_hooks/useVaultDisclosures";
import { EMERGENCY, PURPOSES } from "@/lib/consentCodes";
import { formatDateTime } from "@/lib/format";
import { describeVaultFailure, type Disclosure } from "@/app/_lib/gatewayClient";

export const purposeLabel = (bit: number) => PURPOSES.find((p) => p.bit === bit)?.label ?? `purpose ${bit}`;

export function DisclosureItem({
  entry,
  readerName,
  anchoring,
  onAnchor,
}: {
  entry: Disclosure;
  readerName: string;
  anchoring: boolean;
  onAnchor: () => void;
}) {
  const verify = useVerifyDisclosure();
  const anchored = entry.anchor !== null;
  const { reset } = verify;
  // A new anchor arrived for this entry: the old answer ("not anchored yet") no longer holds.
  useEffect(() => reset(), [anchored, reset]);
  const result = verify.data;

  return (
    <>
      {entry.purpose === EMERGENCY ? (
        <p className="disclosure-emergency">
          <span className="badge-emergency">Emergency</span> <strong>{readerName}</strong> broke the glass and read
          record {String(entry.recordId)} for emergency care, without your consent, on {formatDateTime(entry.servedAt)}.
        </p>
      ) : (
        <p>
          <strong>{readerName}</strong> read record {String(entry.recordId)} for {purposeLabel(entry.purpose)} on{" "}
          {formatDateTime(entry.servedAt)}.
        </p>
      )}
      <p className="muted small">
        Read number {String(entry.id)}
        {entry.seq === null ? "" : ` · log entry ${String(entry.seq)}`} · request{" "}
        <span className="mono">{entry.requestId}</span>
      </p>
      <div className="card-actions">
        <button type="button" disabled={verify.isPending} onClick={() => verify.mutate(entry)}>
          {verify.isPending ? "Verifying…" : "Verify"}
          <span className="visually-hidden"> read number {String(entry.id)}</span>
        </button>
      </div>
      <div role="status" aria-live="polite" className="disclosure-check">
        {verify.error ? (
          <p className="notice error">The check could not run: {describeVaultFailure(verify.error)}</p>
        ) : null}
        {result?.outcome === "verified" ? (
          <p className="notice success">
            ✓ Verified on chain in batch {String(result.fromSeq)}–{String(result.toSeq)}.
          </p>
        ) : null}
        {result?.outcome === "failed" ? <p className="notice error">✗ {result.message}</p> : null}
        {result?.outcome === "not-anchored" ? (
          <div className="notice">
            <p>Not anchored yet: the gateway anchors its log on the chain in batches.</p>
            <button type="button" disabled={anchoring} onClick={onAnchor}>
              {anchoring ? "Anchoring…" : "Anchor now"}
            </button>
          </div>
        ) : null}
      </div>
    </>
  );
}
