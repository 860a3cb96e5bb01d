"use client";
// Labelled form controls shared by the provider and registrar views: the hint and the error are tied to the control
// (aria-describedby), and an invalid control says so (aria-invalid). Categories: CategoryPicker.tsx.
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";

export function describedBy(id: string, hint: ReactNode, error: string | undefined, extra?: string) {
  return (
    [hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined, extra].filter(Boolean).join(" ") || undefined
  );
}

export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <p id={`${id}-error`} className="field-error">
      {error}
    </p>
  ) : null;
}

export function TextField({
  id,
  label,
  hint,
  error,
  value,
  onValue,
  describedByExtra,
  ...input
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  value: string;
  onValue: (value: string) => void;
  describedByExtra?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange">) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        type="text"
        value={value}
        onChange={(e) => onValue(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error, describedByExtra)}
        {...input}
      />
      <FieldError id={id} error={error} />
    </div>
  );
}

/** A labelled <select> whose first option, `placeholder`, stands for "nothing chosen yet". */
export function SelectField({
  id,
  label,
  placeholder,
  error,
  value,
  onValue,
  children,
  ...select
}: {
  id: string;
  label: string;
  placeholder: string;
  error?: string;
  value: string;
  onValue: (value: string) => void;
  children: ReactNode;
} & Omit<SelectHTMLAttributes<HTMLSelectElement>, "id" | "value" | "onChange">) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...select}
      >
        <option value="">{placeholder}</option>
        {children}
      </select>
      <FieldError id={id} error={error} />
    </div>
  );
}

/** An account address field: monospace, no autocorrect, optional suggestions. */
export function AddressField(props: Parameters<typeof TextField>[0] & { suggestions?: readonly string[] }) {
  const { suggestions, ...rest } = props;
  const listId = suggestions && suggestions.length > 0 ? `${props.id}-suggestions` : undefined;
  return (
    <>
      <TextField
        className="mono"
        placeholder="0x…"
        autoComplete="off"
        spellCheck={false}
        autoCapitalize="off"
        inputMode="text"
        list={listId}
        {...rest}
      />
      {listId ? (
        <datalist id={listId}>
          {suggestions!.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
    </>
  );
}

/** Moves focus to the first control with an error, so keyboard and screen-reader users land on it. */
export function focusFirstError(ids: string[]) {
  for (const id of ids) {
    const element = document.getElementById(id);
    if (element) {
      const target = element.matches("fieldset") ? element.querySelector("input") : element;
      (target as HTMLElement | null)?.focus();
      return;
    }
  }
}
