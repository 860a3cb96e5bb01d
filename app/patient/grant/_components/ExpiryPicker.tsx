"use client";
// Until when: presets (1 week, 1 month, 6 months, 1 year) or a date, at most 10 × 365 days ahead.
import { useId } from "react";
import { formatDate } from "@/lib/format";
import { customDateBounds, dateInputValue, EXPIRY_PRESETS, type ExpiryChoice } from "@/app/_lib/grantForm";

export function ExpiryPicker({
  value,
  onChange,
  now,
  error,
  disabled,
}: {
  value: ExpiryChoice;
  onChange: (choice: ExpiryChoice) => void;
  now: number;
  error?: string;
  disabled?: boolean;
}) {
  const id = useId();
  const bounds = customDateBounds(now);
  const customDate = value.kind === "custom" ? value.date : dateInputValue(now + 365 * 24 * 3600);
  return (
    <fieldset className="grant-fieldset" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Until when?</legend>
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
      <div className="check-grid">
        {EXPIRY_PRESETS.map((preset) => (
          <label key={preset.key} className="check">
            <input
              type="radio"
              name={`${id}-expiry`}
              checked={value.kind === "preset" && value.preset === preset.key}
              onChange={() => onChange({ kind: "preset", preset: preset.key })}
              disabled={disabled}
            />
            <span>
              {preset.label} <span className="muted">(until {formatDate(now + preset.seconds)})</span>
            </span>
          </label>
        ))}
        <label className="check">
          <input
            type="radio"
            name={`${id}-expiry`}
            checked={value.kind === "custom"}
            onChange={() => onChange({ kind: "custom", date: customDate })}
            disabled={disabled}
          />
          A date I choose
        </label>
      </div>
      {value.kind === "custom" ? (
        <label className="grant-date" htmlFor={`${id}-date`}>
          End date (access ends after this day, UTC)
          <input
            id={`${id}-date`}
            type="date"
            value={value.date}
            min={bounds.min}
            max={bounds.max}
            onChange={(event) => onChange({ kind: "custom", date: event.target.value })}
            disabled={disabled}
          />
        </label>
      ) : null}
    </fieldset>
  );
}
