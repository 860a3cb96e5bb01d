"use client";
// "May I do this now?": the contract's own check (checkAccess), with the reason in plain words when the answer is no.
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { Address } from "viem";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import type { AccessQuery } from "@/lib/consentClient";
import { ACTIONS, PURPOSES, READ, describeCategories, describePurposes } from "@/lib/consentCodes";
import { shortAddress } from "@/lib/format";
import { checkAddress } from "@/lib/providers";
import { CategoryPicker } from "@/app/_components/CategoryPicker";
import { AddressField, focusFirstError } from "@/app/_components/fields";

export function CheckAccess({ me, patients }: { me: Address; patients: readonly Address[] }) {
  const client = useConsentClient();
  const [patient, setPatient] = useState("");
  const [categories, setCategories] = useState(0n);
  const [action, setAction] = useState<number>(READ);
  const [purpose, setPurpose] = useState<number>(PURPOSES[0].bit);
  const [submitted, setSubmitted] = useState(false);
  const check = useMutation({
    mutationFn: (query: AccessQuery & { categories: bigint; action: number; purpose: number }) =>
      client.explainAccess(query),
  });

  const patientCheck = checkAddress(patient, "patient's address");
  const errors = {
    "check-patient": submitted && !patientCheck.ok ? patientCheck.error : undefined,
    "check-categories": submitted && categories === 0n ? "Choose at least one category." : undefined,
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    const invalid = [!patientCheck.ok && "check-patient", categories === 0n && "check-categories"].filter(
      (id): id is string => typeof id === "string",
    );
    if (invalid.length > 0 || !patientCheck.ok) {
      focusFirstError(invalid);
      return;
    }
    check.mutate({ patient: patientCheck.value, grantee: me, categories, action, purpose });
  }

  const asked = check.variables;
  const question = !asked
    ? ""
    : asked.action === READ
      ? `read ${describeCategories(asked.categories)} of ${shortAddress(asked.patient)} for ${describePurposes(asked.purpose)}`
      : `add ${describeCategories(asked.categories)} records for ${shortAddress(asked.patient)} for ${describePurposes(asked.purpose)}`;

  return (
    <section aria-labelledby="check" className="panel">
      <h2 id="check">Check access</h2>
      <p className="hint">
        Ask the chain whether you may now read or add records for a patient, exactly as a records gateway would.
      </p>
      <form onSubmit={submit} noValidate>
        <AddressField
          id="check-patient"
          label="Patient's address"
          hint="The patient's account address (0x and 40 characters). Patients who gave you access are suggested."
          value={patient}
          onValue={setPatient}
          error={errors["check-patient"]}
          suggestions={patients}
        />
        <CategoryPicker
          id="check-categories"
          audience="provider"
          value={categories}
          onChange={setCategories}
          error={errors["check-categories"]}
        />
        <fieldset>
          <legend>Action</legend>
          {ACTIONS.map((a) => (
            <label key={a.bit} className="check">
              <input
                type="radio"
                name="check-action"
                value={a.bit}
                checked={action === a.bit}
                onChange={() => setAction(a.bit)}
              />{" "}
              {a.bit === READ ? "Read" : "Add records"}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="check-purpose">Purpose</label>
          <select id="check-purpose" value={purpose} onChange={(e) => setPurpose(Number(e.target.value))}>
            {PURPOSES.map((p) => (
              <option key={p.bit} value={p.bit}>
                {p.label[0].toUpperCase() + p.label.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={check.isPending}>
          {check.isPending ? "Checking…" : "Check access"}
        </button>
      </form>
      <div role="status" aria-live="polite" data-testid="check-result">
        {check.isPending ? (
          <p className="notice">Checking…</p>
        ) : check.error ? (
          <p className="notice error">Could not ask the chain: {check.error.message}</p>
        ) : check.data?.allowed ? (
          <p className="notice success">
            <strong>Allowed.</strong> You may {question} now.
          </p>
        ) : check.data ? (
          <p className="notice error">
            <strong>Not allowed</strong> to {question}. {check.data.reason}
          </p>
        ) : null}
      </div>
    </section>
  );
}
