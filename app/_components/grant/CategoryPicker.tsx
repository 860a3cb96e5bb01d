"use client";
// Which data: routine categories with an "all routine data" shortcut (bits 0–12 only), the sensitive ones apart.
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

export function CategoryPicker({
  value,
  onChange,
  error,
  disabled,
}: {
  value: bigint;
  onChange: (mask: bigint) => void;
  error?: string;
  disabled?: boolean;
}) {
  const id = useId();
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
      <fieldset className="grant-fieldset" aria-describedby={error ? `${id}-error` : undefined}>
        <legend>Which of your data?</legend>
        {error ? (
          <p id={`${id}-error`} className="field-error">
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
      <fieldset className="grant-fieldset grant-sensitive" aria-describedby={`${id}-sensitive-warning`}>
        <legend>Sensitive data</legend>
        <p id={`${id}-sensitive-warning`} className="sensitive-warning">
          <strong>Take care:</strong> these kinds of data have extra legal protection and can affect you if they are
          shared further. Choose them only if this provider really needs them.
        </p>
        <div className="check-grid">{SENSITIVE_CATEGORY_LIST.map(box)}</div>
        {hasSensitive(value) ? (
          <p className="notice" role="status">
            You chose sensitive data. The review step will list it so you can check before you sign.
          </p>
        ) : null}
      </fieldset>
    </>
  );
}
