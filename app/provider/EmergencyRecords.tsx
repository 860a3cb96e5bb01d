"use client";
// Once the glass is broken: the patient's routine records, each opened for emergency care. The gateway re-wraps the
// record key from the patient's emergency copy for this provider's published key; this browser decrypts and checks the
// file against the chain like any other read. Sensitive records are not listed: break-glass never opens them.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { GatewaySignIn } from "@/app/_components/vault/GatewaySignIn";
import { RecordOpener } from "@/app/_components/vault/RecordOpener";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { formatDate } from "@/lib/format";
import { categoryLabel } from "@/app/_lib/timeline";
import { isEscrowCategory } from "@/lib/vault/escrow";

export function EmergencyRecords({ me, patient }: { me: Address; patient: Address }) {
  const client = useConsentClient();
  const records = useQuery({
    queryKey: ["records", patient],
    queryFn: () => client.getRecords(patient),
  });
  const routine = [...(records.data ?? [])].filter((r) => isEscrowCategory(r.category)).reverse();

  return (
    <div className="emergency-records" data-testid="emergency-records">
      <h3>The patient&rsquo;s routine records</h3>
      <p className="hint">
        Each record you open is logged as an emergency read before it is handed to you, and the patient sees it.
      </p>
      <GatewaySignIn why="To open records, the records gateway needs to know it is you.">
        {records.isPending ? <p>Loading the patient&rsquo;s records…</p> : null}
        {records.error ? (
          <p role="alert" className="notice error">
            Could not read the records from the chain: {records.error.message}
          </p>
        ) : null}
        {records.data && routine.length === 0 ? <p>This patient has no routine records.</p> : null}
        <ul className="cards">
          {routine.map((record) => (
            <li key={String(record.id)} className="card" data-record={String(record.id)}>
              <p className="card-title">
                <strong>
                  Record {String(record.id)}: {categoryLabel(record.category)}
                </strong>
              </p>
              <p className="muted">
                Added {formatDate(record.createdAt)}
                {record.supersededBy === 0n ? "" : ` · amended by record ${record.supersededBy}`}
              </p>
              <RecordOpener reader={me} patient={patient} recordId={record.id} askPurpose purpose="emergency" />
            </li>
          ))}
        </ul>
      </GatewaySignIn>
    </div>
  );
}
