"use client";
// The patient's record pointers, and a check that a file on this computer is the one the chain points to.
import { useQuery } from "@tanstack/react-query";
import { EncryptionKeyStatus } from "@/app/_components/vault/EncryptionKeyStatus";
import { GatewaySignIn } from "@/app/_components/vault/GatewaySignIn";
import { RecordOpener } from "@/app/_components/vault/RecordOpener";
import dynamic from "next/dynamic";
import { useId, useState } from "react";
import type { Address, Hex } from "viem";
import { ListFreshnessNotice } from "@/app/_components/ListFreshnessNotice";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useEncryptionKey } from "@/app/_hooks/useEncryptionKey";
import { useListFreshness } from "@/app/_hooks/useListFreshness";
import type { RecordEntry } from "@/lib/consentClient";
import { sha256OfFile } from "@/lib/contentHash";
import { formatDate } from "@/lib/format";
import { categoryLabel } from "@/app/_lib/timeline";
import { useNames } from "./usePatientData";

// The upload form (and the encryption and FHIR code behind it) loads once the patient is signed in to the gateway.
const RecordUpload = dynamic(() => import("./RecordUpload").then((m) => m.RecordUpload));

export function RecordsSection({ patient }: { patient: Address }) {
  const client = useConsentClient();
  const records = useQuery({ queryKey: ["records", patient], queryFn: () => client.getRecords(patient) });
  const freshness = useListFreshness(records);
  const nameOf = useNames((records.data ?? []).map((r) => r.author));
  const newestFirst = [...(records.data ?? [])].reverse();
  // Without an encryption key on this device (a passkey without PRF) there is nothing to upload with.
  const key = useEncryptionKey(patient);

  return (
    <section id="records" aria-labelledby="records-heading" className="patient-section">
      <h2 id="records-heading">Records</h2>
      <p className="muted">
        Your records are stored encrypted, off the chain. The chain keeps a fingerprint (a SHA-256 hash) of each file,
        so you can check that a file you have is exactly the one recorded.
      </p>
      <EncryptionKeyStatus account={patient} audience="patient" />
      {key.withoutPrf ? null : (
        <GatewaySignIn why="To upload records and open them, the records gateway needs to know it is you.">
          <RecordUpload patient={patient} />
        </GatewaySignIn>
      )}
      <ListFreshnessNotice freshness={freshness} />
      {records.isPending ? <p>Loading your records…</p> : null}
      {records.error ? (
        <p role="alert" className="notice error">
          Could not read your records from the chain: {records.error.message}
        </p>
      ) : null}
      {records.data?.length === 0 ? <p>No records yet.</p> : null}
      <ul className="cards">
        {newestFirst.map((record) => (
          <li key={String(record.id)} className="card">
            <RecordCard
              patient={patient}
              record={record}
              author={record.author.toLowerCase() === patient.toLowerCase() ? "you" : nameOf(record.author)}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

function RecordCard({ patient, record, author }: { patient: Address; record: RecordEntry; author?: string }) {
  const current = record.supersededBy === 0n;
  return (
    <>
      <h3 className="card-title">
        Record {String(record.id)}: {categoryLabel(record.category)}{" "}
        <span className={`state ${current ? "state-active" : "state-revoked"}`}>
          {current ? "current" : `amended by record ${record.supersededBy}`}
        </span>
      </h3>
      <p>
        Added by <strong title={record.author}>{author ?? record.author}</strong> on {formatDate(record.createdAt)}.
        {current ? "" : " A newer version replaces it; this one stays on record."}
      </p>
      <p className="muted mono small" title="The file's SHA-256 fingerprint recorded on the chain">
        Fingerprint: {record.contentHash}
      </p>
      <RecordOpener reader={patient} patient={patient} recordId={record.id} askPurpose={false} />
      <IntegrityCheck patient={patient} record={record} />
    </>
  );
}

type CheckResult =
  | { phase: "idle" }
  | { phase: "checking" }
  | { phase: "done"; matches: boolean; fileName: string; fileHash: Hex }
  | { phase: "failed"; message: string };

/** The browser hashes the chosen file (nothing is uploaded) and asks the chain whether it is this record's file. */
function IntegrityCheck({ patient, record }: { patient: Address; record: RecordEntry }) {
  const client = useConsentClient();
  const inputId = useId();
  const [result, setResult] = useState<CheckResult>({ phase: "idle" });

  async function check(file: File | undefined) {
    if (file === undefined) return setResult({ phase: "idle" });
    setResult({ phase: "checking" });
    try {
      // SHA-256 in the browser (WebCrypto): the file never leaves this computer.
      const fileHash = await sha256OfFile(file);
      const matches = await client.publicClient.readContract({
        address: client.addresses.recordRegistry,
        abi: client.abis.RecordRegistry,
        functionName: "verifyRecord",
        args: [patient, record.id, fileHash],
      });
      setResult({ phase: "done", matches, fileName: file.name, fileHash });
    } catch (error) {
      setResult({ phase: "failed", message: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <div className="integrity">
      <label htmlFor={inputId}>Check a file from your computer against record {String(record.id)}</label>
      <input id={inputId} type="file" onChange={(e) => void check(e.target.files?.[0])} />
      <p role="status" className="integrity-result">
        {result.phase === "checking" ? "Checking…" : null}
        {result.phase === "done" ? (
          result.matches ? (
            <span className="match">✓ “{result.fileName}” matches: it is exactly the file recorded on the chain.</span>
          ) : (
            <span className="mismatch">
              ✗ “{result.fileName}” does not match: it is not the file recorded for this record (a different file, or it
              was changed).
            </span>
          )
        ) : null}
        {result.phase === "failed" ? `The check could not run: ${result.message}` : null}
      </p>
    </div>
  );
}
