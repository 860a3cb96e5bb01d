"use client";
// Choosing a set of categories of data, the one way every page does it (a patient's grant, a provider's access check):
// routine with an "all routine data" shortcut (bits 0–12 only), the sensitive ones apart. One category from a
// <select>: CategoryOptions.tsx.
import { useId } from "react";
import {
  hasAllRoutine,
  hasSensitive,
  ROUTINE_CATEGORY_LIST,
  SENSITIVE_CATEGORY_LIST,
  setAllRoutine,
  toggleCategory,
} from "@/app/_lib/grantForm";
import type { CategoryInfo } from "@/lib/consentCodes";

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
/** Whether category `bit` is set in the mask (a function, not inline JSX: jsx-a11y cannot evaluate bigint operators). */
const hasCategoryBit = (mask: bigint, bit: number) => ((mask >> BigInt(bit)) & 1n) === 1n;

/** Who is choosing: the words differ (a patient gives their own data; a provider asks about a patient's). */
const WORDING = {
  patient: {
    legend: "Which of your data?",
    sensitiveNote: (
      <>
        <strong>Take care:</strong> these kinds of data have extra legal protection and can affect you if they are
        shared further. Choose them only if this provider really needs them.
      </>
    ),
  },
  provider: {
    legend: "Categories of data",
    sensitiveNote: <>Never part of &ldquo;all routine data&rdquo;: a patient must choose each one.</>,
  },
} as const;

/**
 * Category checkboxes; the value is the category mask. `id`, when given, names the first fieldset, so
 * `focusFirstError` can move focus into it.
 */
export function CategoryPicker({
  id,
  audience,
  value,
  onChange,
  error,
  disabled,
}: {
  id?: string;
  audience: keyof typeof WORDING;
  value: bigint;
  onChange: (mask: bigint) => void;
  error?: string;
  disabled?: boolean;
}) {
  const ownId = useId();
  const base = id ?? ownId;
  const wording = WORDING[audience];
  const box = (category: CategoryInfo) => (
    <label key={category.key} className="check">
      <input
        type="checkbox"
        checked={hasCategoryBit(value, category.bit)}
        onChange={() => onChange(toggleCategory(value, category.bit))}
        disabled={disabled}
      />
      {capitalize(category.label)}
    </label>
  );
  return (
    <>
      <fieldset
        id={id}
        className="grant-fieldset"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${base}-error` : undefined}
      >
        <legend>{wording.legend}</legend>
        {error ? (
          <p id={`${base}-error`} className="field-error">
            {error}
          </p>
        ) : null}
        <label className="check check-all">
          <input
            type="checkbox"
            checked={hasAllRoutine(value)}
            onChange={(event) => onChange(setAllRoutine(value, event.target.checked))}
            disabled={disabled}
          />
          <span>
            <strong>All routine data</strong>{" "}
            <span className="muted">(everything in this list; never the sensitive data below)</span>
          </span>
        </label>
        <div className="check-grid">{ROUTINE_CATEGORY_LIST.map(box)}</div>
      </fieldset>
      <fieldset className="grant-fieldset grant-sensitive" aria-describedby={`${base}-sensitive-note`}>
        <legend>Sensitive data</legend>
        <p id={`${base}-sensitive-note`} className="sensitive-warning">
          {wording.sensitiveNote}
        </p>
        <div className="check-grid">{SENSITIVE_CATEGORY_LIST.map(box)}</div>
        {audience === "patient" && hasSensitive(value) ? (
          <p className="notice" role="status">
            You chose sensitive data. The review step will list it so you can check before you sign.
          </p>
        ) : null}
        {audience === "provider" ? (
          <p className="inline-actions">
            <button type="button" disabled={disabled} onClick={() => onChange(0n)}>
              Clear all
            </button>
          </p>
        ) : null}
      </fieldset>
    </>
  );
}
