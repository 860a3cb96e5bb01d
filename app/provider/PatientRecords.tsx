"use client";
// A patient's records (from the chain) and "Open" on each: the gateway checks this provider's access at that moment,
// logs the read, and this browser decrypts. A refusal (after a revocation, say) is shown in the gateway's words.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Address } from "viem";
import { GatewaySignIn } from "@/app/_components/vault/GatewaySignIn";
import { RecordOpener } from "@/app/_components/vault/RecordOpener";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { formatDate } from "@/lib/format";
import { checkAddress } from "@/lib/providers";
import { categoryLabel } from "@/app/_lib/timeline";
import { AddressField } from "@/app/_components/fields";

export function PatientRecords({ me, patients }: { me: Address; patients: readonly Address[] }) {
  const client = useConsentClient();
  const [patient, setPatient] = useState("");
  const patientCheck = checkAddress(patient, "patient's address");
  const patientAddress = patientCheck.ok ? patientCheck.value : undefined;
  const records = useQuery({
    queryKey: ["records", patientAddress],
    enabled: patientAddress !== undefined,
    queryFn: () => client.getRecords(patientAddress!),
  });
  const newestFirst = [...(records.data ?? [])].reverse();

  return (
    <section aria-labelledby="read-records" className="panel">
      <h2 id="read-records">Read a patient&rsquo;s records</h2>
      <p className="hint">
        Records are encrypted; the gateway gives you a record only while the patient&rsquo;s consent lets you read that
        kind of data for the purpose you give, and logs every read. It is decrypted here, in your browser.
      </p>
      <AddressField
        id="records-patient"
        label="Patient's address"
        value={patient}
        onValue={setPatient}
        error={patient !== "" && !patientCheck.ok ? patientCheck.error : undefined}
        suggestions={patients}
      />
      {patientAddress ? (
        <GatewaySignIn why="To read records, the records gateway needs to know it is you.">
          {records.isPending ? <p>Loading the patient&rsquo;s records…</p> : null}
          {records.error ? (
            <p role="alert" className="notice error">
              Could not read the records from the chain: {records.error.message}
            </p>
          ) : null}
          {records.data?.length === 0 ? <p>This patient has no records.</p> : null}
          <ul className="cards">
            {newestFirst.map((record) => (
              <li key={String(record.id)} className="card" data-record={String(record.id)}>
                <h3 className="card-title">
                  Record {String(record.id)}: {categoryLabel(record.category)}
                </h3>
                <p className="muted">
                  Added {formatDate(record.createdAt)}
                  {record.supersededBy === 0n ? "" : ` · amended by record ${record.supersededBy}`}
                </p>
                <RecordOpener reader={me} patient={patientAddress} recordId={record.id} askPurpose />
              </li>
            ))}
          </ul>
        </GatewaySignIn>
      ) : null}
    </section>
  );
}
