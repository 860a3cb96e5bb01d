"use client";
// Upload a record: the file is encrypted in this browser, stored encrypted with the gateway, registered on the chain,
// and its key wrapped for the patient and for each provider that may read this kind of data now. A FHIR file is read
// here first: its resources suggest the category, and a check against the R4 schema warns before it is stored.
import { useId, useState, type FormEvent } from "react";
import type { Address } from "viem";
import { CategoryOptions } from "@/app/_components/CategoryOptions";
import { StepList } from "@/app/_components/vault/StepList";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { useFhirInspection, useVaultUpload, type FhirInspection } from "@/app/_hooks/useVaultUpload";

/** PDF, images, JSON (FHIR resources and bundles). */
const ACCEPT = "application/pdf,image/*,application/json,application/fhir+json,.json,.pdf";
/** Clinical notes: a routine category, and the most common kind of document a patient brings. */
const DEFAULT_CATEGORY = "7";

export function RecordUpload({ patient }: { patient: Address }) {
  const upload = useVaultUpload(patient);
  const fhir = useFhirInspection();
  const [file, setFile] = useState<File>();
  const [category, setCategory] = useState(DEFAULT_CATEGORY);
  const [fileKey, setFileKey] = useState(0);
  const [problem, setProblem] = useState<string>();
  const fileId = useId();
  const categoryId = useId();
  const errorId = useId();
  const suggestionId = useId();
  const started = upload.steps.some((s) => s.status !== "waiting");

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return setProblem("Choose the file to upload.");
    setProblem(undefined);
    if (await upload.upload(file, Number(category))) {
      setFile(undefined);
      setFileKey((k) => k + 1);
      void fhir.inspect(undefined);
    }
  }

  async function pick(picked: File | undefined) {
    setFile(picked);
    setProblem(undefined);
    const suggested = await fhir.inspect(picked);
    if (suggested) setCategory(String(suggested.bit));
  }

  return (
    <div className="subsection record-upload">
      <h3>Upload a record</h3>
      <p className="muted">
        A PDF, an image or a JSON file (such as a FHIR resource). It is encrypted here, in your browser: the gateway and
        the chain never see its contents, only the providers you let read this kind of data.
      </p>
      <form className="inline-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={fileId}>File</label>
          <input
            key={fileKey}
            id={fileId}
            type="file"
            accept={ACCEPT}
            disabled={upload.running}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? errorId : undefined}
            onChange={(e) => void pick(e.target.files?.[0])}
          />
          {problem ? (
            <p id={errorId} className="field-error">
              {problem}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={categoryId}>Kind of data</label>
          <select
            id={categoryId}
            value={category}
            disabled={upload.running}
            aria-describedby={fhir.inspection?.suggested ? suggestionId : undefined}
            onChange={(e) => setCategory(e.target.value)}
          >
            <CategoryOptions />
          </select>
          {fhir.inspection?.suggested ? (
            <p id={suggestionId} className="field-hint" data-testid="category-suggestion">
              Suggested from the FHIR resources: {fhir.inspection.suggested.label}
            </p>
          ) : null}
        </div>
        <button type="submit" className="primary" disabled={upload.running}>
          {upload.running ? "Uploading…" : "Encrypt and upload"}
        </button>
      </form>
      <div role="status" aria-live="polite" data-testid="fhir-check">
        {fhir.inspection ? <FhirCheck inspection={fhir.inspection} /> : null}
      </div>
      {started ? (
        <div role="status" aria-live="polite" data-testid="upload-status">
          <StepList steps={upload.steps} label="Upload steps" />
          {upload.progress ? (
            <p className="upload-progress">
              <label>
                Upload progress{" "}
                <progress value={upload.progress.sent} max={Math.max(upload.progress.total, 1)}>
                  {Math.round((100 * upload.progress.sent) / Math.max(upload.progress.total, 1))}%
                </progress>
              </label>
            </p>
          ) : null}
        </div>
      ) : null}
      <TransactionStatus state={upload.tx.state} />
    </div>
  );
}

/** The schema check's answer: a short line when valid, a warning with the first problems when not. */
function FhirCheck({ inspection }: { inspection: FhirInspection }) {
  const { validation, checkFailed } = inspection;
  if (checkFailed)
    return <p className="muted">The FHIR R4 check could not run here; the file can still be uploaded as it is.</p>;
  if (!validation) return <p className="muted">Checking the file against the FHIR R4 schema…</p>;
  if (validation.valid) return <p className="muted">Valid FHIR R4.</p>;
  return (
    <div className="notice warning" data-testid="fhir-invalid">
      <p>
        This file is not valid FHIR R4, so other health systems may not accept it. You can still upload it: it is stored
        as a file, as it is. The first problems:
      </p>
      <ul>
        {validation.errors.map((error) => (
          <li key={error}>{error}</li>
        ))}
      </ul>
    </div>
  );
}
