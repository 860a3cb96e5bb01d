// A multi-step operation's progress in plain words: each step waiting, under way, done, skipped or failed.
import type { UploadStep } from "@/app/_hooks/useVaultUpload";

const MARK: Record<UploadStep["status"], string> = {
  waiting: "○",
  active: "…",
  done: "✓",
  skipped: "–",
  failed: "✗",
};

const STATUS_WORDS: Record<UploadStep["status"], string> = {
  waiting: "waiting",
  active: "under way",
  done: "done",
  skipped: "skipped",
  failed: "failed",
};

export function StepList({ steps, label }: { steps: readonly UploadStep[]; label: string }) {
  return (
    <ol className="steps" aria-label={label}>
      {steps.map((step) => (
        <li key={step.id} className={`step step-${step.status}`} data-step={step.id} data-status={step.status}>
          <span aria-hidden="true" className="step-mark">
            {MARK[step.status]}
          </span>{" "}
          {step.label}
          <span className="visually-hidden">: {STATUS_WORDS[step.status]}</span>
          {step.detail ? <span className="step-detail"> {step.detail}</span> : null}
        </li>
      ))}
    </ol>
  );
}
