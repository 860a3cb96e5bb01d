"use client";
// A group of checkboxes over a small bitmask: the actions (read, add records) or the purposes.
import { useId } from "react";
import { toggleBit } from "@/app/_lib/grantForm";

export function BitPicker({
  legend,
  options,
  value,
  onChange,
  error,
  disabled,
}: {
  legend: string;
  options: readonly { bit: number; label: string; hint?: string }[];
  value: number;
  onChange: (mask: number) => void;
  error?: string;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <fieldset className="grant-fieldset" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
      <div className="check-grid">
        {options.map((option) => (
          <label key={option.bit} className="check">
            <input
              type="checkbox"
              checked={(value & option.bit) !== 0}
              onChange={() => onChange(toggleBit(value, option.bit))}
              disabled={disabled}
            />
            <span>
              {option.label}
              {option.hint ? <span className="muted"> ({option.hint})</span> : null}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
