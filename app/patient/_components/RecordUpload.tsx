"use client";
// Upload a record: the file is encrypted in this browser, stored encrypted with the gateway, registered on the chain,
// and its key wrapped for the patient and for each provider that may read this kind of data now.
import { useId, useState, type FormEvent } from "react";
import type { Address } from "viem";
import { CategoryOptions } from "../../_components/CategoryOptions";
import { StepList } from "../../_components/vault/StepList";
import { TransactionStatus } from "../../_components/TransactionStatus";
import { useVaultUpload } from "../../_hooks/useVaultUpload";

/** PDF, images, JSON (FHIR resources and bundles). */
const ACCEPT = "application/pdf,image/*,application/json,application/fhir+json,.json,.pdf";
/** Clinical notes: a routine category, and the most common kind of document a patient brings. */
const DEFAULT_CATEGORY = "7";

export function RecordUpload({ patient }: { patient: Address }) {
  const upload = useVaultUpload(patient);
  const [file, setFile] = useState<File>();
  const [category, setCategory] = useState(DEFAULT_CATEGORY);
  const [fileKey, setFileKey] = useState(0);
  const [problem, setProblem] = useState<string>();
  const fileId = useId();
  const categoryId = useId();
  const errorId = useId();
  const started = upload.steps.some((s) => s.status !== "waiting");

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return setProblem("Choose the file to upload.");
    setProblem(undefined);
    if (await upload.upload(file, Number(category))) {
      setFile(undefined);
      setFileKey((k) => k + 1);
    }
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
            onChange={(e) => {
              setFile(e.target.files?.[0]);
              setProblem(undefined);
            }}
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
            onChange={(e) => setCategory(e.target.value)}
          >
            <CategoryOptions />
          </select>
        </div>
        <button type="submit" className="primary" disabled={upload.running}>
          {upload.running ? "Uploading…" : "Encrypt and upload"}
        </button>
      </form>
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
