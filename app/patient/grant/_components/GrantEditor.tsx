"use client";
// The grant flow's editing step: provider (or, for a delegate, whose records), data, actions, purposes and end date;
// errors are summarised and focused when the patient asks to review.
import Link from "next/link";
import type { RefObject } from "react";
import type { Address } from "viem";
import { CategoryPicker } from "@/app/_components/CategoryPicker";
import { shortAddress } from "@/lib/format";
import type { GrantErrors, GrantFormState } from "@/app/_lib/grantForm";
import { summarizeConsent } from "@/lib/consentClient";
import { PURPOSES } from "@/lib/consentCodes";
import type { ProviderInfo } from "@/lib/providers";
import { ActingFor } from "./ActingFor";
import { BitPicker } from "./BitPicker";
import { ExpiryPicker } from "./ExpiryPicker";
import { ProviderPicker } from "./ProviderPicker";
import type { ExistingConsent } from "./useExistingConsent";

const ACTION_OPTIONS = [
  { bit: 1, label: "Read your records" },
  { bit: 2, label: "Add new records", hint: "e.g. test results, visit notes" },
];
const PURPOSE_OPTIONS = PURPOSES.map((p) => ({
  bit: p.bit,
  label: p.label.charAt(0).toUpperCase() + p.label.slice(1),
}));

export function GrantEditor({
  providers,
  form,
  update,
  shownErrors,
  errorSummary,
  changing,
  chosen,
  current,
  providerName,
  yours,
  delegators,
  actingFor,
  onActingFor,
  now,
  onReview,
}: {
  providers: ProviderInfo[];
  form: GrantFormState;
  update: (change: Partial<GrantFormState>) => void;
  /** The errors to show (none until the patient first asks to review). */
  shownErrors: GrantErrors;
  errorSummary: RefObject<HTMLDivElement | null>;
  changing: boolean;
  /** The chosen provider, when it is in the directory. */
  chosen?: ProviderInfo;
  /** The chosen provider's consent from this patient now, if any. */
  current?: ExistingConsent;
  providerName: string;
  yours: string;
  /** The patients who named the connected account their delegate. */
  delegators?: Address[];
  actingFor?: Address;
  onActingFor: (patient: Address | undefined) => void;
  now: () => number;
  onReview: () => void;
}) {
  const errorList = Object.values(shownErrors);
  return (
    <>
      <h1>{changing ? `Change ${providerName}'s access` : "Give a provider access"}</h1>
      <p className="muted">
        Choose who may see which of your records, what for, and until when. You will check everything before it is
        saved.
      </p>
      {errorList.length > 0 ? (
        <div ref={errorSummary} tabIndex={-1} role="alert" className="notice error">
          <p>Please fix this first:</p>
          <ul>
            {errorList.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <form
        className="grant-form"
        onSubmit={(event) => {
          event.preventDefault();
          onReview();
        }}
      >
        {!changing && delegators !== undefined && delegators.length > 0 ? (
          <ActingFor patients={delegators} value={actingFor} onChange={onActingFor} />
        ) : null}
        {changing && chosen ? (
          <fieldset className="grant-fieldset">
            <legend>Provider</legend>
            <p>
              <strong>{chosen.name}</strong> <span className="muted">{chosen.kindName}</span>{" "}
              <span className={`state state-provider-${chosen.status}`}>{chosen.status}</span>{" "}
              <span className="mono muted">{shortAddress(chosen.address)}</span>
            </p>
            {current?.live ? <p className="muted">Now: {summarizeConsent(current, "your")}.</p> : null}
            {shownErrors.grantee ? <p className="field-error">{shownErrors.grantee}</p> : null}
            <Link href="/patient/grant">Choose another provider instead</Link>
          </fieldset>
        ) : (
          <ProviderPicker
            providers={providers}
            value={form.grantee}
            onChange={(grantee) => update({ grantee })}
            error={shownErrors.grantee}
          />
        )}
        {!changing && current?.live ? (
          <p className="notice" role="status">
            {providerName} already has access: {summarizeConsent(current, yours)}. What you choose here will replace it.
          </p>
        ) : null}
        <CategoryPicker
          audience="patient"
          value={form.categories}
          onChange={(categories) => update({ categories })}
          error={shownErrors.categories}
        />
        <BitPicker
          legend="What may they do?"
          options={ACTION_OPTIONS}
          value={form.actions}
          onChange={(actions) => update({ actions })}
          error={shownErrors.actions}
        />
        <BitPicker
          legend="For what purpose?"
          options={PURPOSE_OPTIONS}
          value={form.purposes}
          onChange={(purposes) => update({ purposes })}
          error={shownErrors.purposes}
        />
        <ExpiryPicker
          value={form.expiry}
          onChange={(expiry) => update({ expiry })}
          now={now()}
          error={shownErrors.expiry}
        />
        <div className="grant-submit">
          <button type="submit" className="primary">
            Review
          </button>
          <Link href="/patient">Cancel</Link>
        </div>
      </form>
    </>
  );
}
