"use client";
// Break the glass: READ of a patient's routine data for emergency care for 24 hours, with a reason code. Logged on the
// chain and shown to the patient, so the form says so before it sends anything.
import { useQuery } from "@tanstack/react-query";
import dynamic from "next/dynamic";
import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Address } from "viem";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { appConfig } from "@/app/_lib/appConfig";
import { EMERGENCY_REASONS, emergencyReasonHash, listEmergencyAccesses } from "@/lib/emergency";
import { formatDateTime, shortAddress } from "@/lib/format";
import { checkAddress } from "@/lib/providers";
import { AddressField, SelectField, focusFirstError } from "@/app/_components/fields";

// The emergency record list loads only once a window is open.
const EmergencyRecords = dynamic(() => import("./EmergencyRecords").then((m) => m.EmergencyRecords));

export function BreakGlass({ me, patients }: { me: Address; patients: readonly Address[] }) {
  const client = useConsentClient();
  const tx = useTransactor();
  const [patient, setPatient] = useState("");
  const [reason, setReason] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);

  const patientCheck = checkAddress(patient, "patient's address");
  const patientAddress = patientCheck.ok ? patientCheck.value : undefined;
  const chosen = EMERGENCY_REASONS.find((r) => r.code === reason);
  const problems = {
    "glass-patient": !patientCheck.ok
      ? patientCheck.error
      : patientCheck.value === me
        ? "You cannot break the glass on your own account."
        : undefined,
    "glass-reason": chosen ? undefined : "Choose the reason for the emergency access.",
  };
  const errors = submitted ? problems : { "glass-patient": undefined, "glass-reason": undefined };

  const windowOf = useQuery({
    queryKey: ["emergencyWindow", patientAddress, me],
    enabled: patientAddress !== undefined && patientAddress !== me,
    queryFn: async () => {
      const registry = { address: client.addresses.consentRegistry, abi: client.abis.ConsentRegistry } as const;
      const [allowed, until, block] = await Promise.all([
        client.publicClient.readContract({
          ...registry,
          functionName: "emergencyAccessAllowed",
          args: [patientAddress!],
        }),
        client.publicClient.readContract({
          ...registry,
          functionName: "emergencyAccessUntil",
          args: [patientAddress!, me],
        }),
        client.publicClient.getBlock({ blockTag: "latest" }),
      ]);
      return { allowed, until: Number(until), now: Number(block.timestamp) };
    },
  });

  const history = useQuery({
    queryKey: ["emergencyAccesses", "grantee", me],
    queryFn: async () => {
      const [accesses, block] = await Promise.all([
        listEmergencyAccesses(client, { grantee: me }, { fromBlock: appConfig.fromBlock }),
        client.publicClient.getBlock({ blockTag: "latest" }),
      ]);
      return { accesses: accesses.reverse(), now: Number(block.timestamp) };
    },
  });

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  function review(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    const invalid = Object.entries(problems)
      .filter(([, error]) => error !== undefined)
      .map(([id]) => id);
    if (invalid.length > 0) {
      focusFirstError(invalid);
      return;
    }
    tx.reset();
    setConfirming(true);
  }

  async function breakGlass() {
    if (!patientAddress || !chosen) return;
    const ok = await tx.send("Emergency access", {
      contract: "ConsentRegistry",
      functionName: "breakGlass",
      args: [patientAddress, emergencyReasonHash(chosen.code)],
    });
    setConfirming(false);
    if (ok) setSubmitted(false);
  }

  const open = windowOf.data && windowOf.data.until > windowOf.data.now;
  return (
    <section aria-labelledby="emergency" className="panel emergency">
      <h2 id="emergency">Emergency access (&ldquo;break the glass&rdquo;)</h2>
      <p className="hint">
        For a patient who cannot consent: you may read their routine data (never the sensitive categories) for emergency
        care for 24 hours. Use it only in an emergency.
      </p>
      <form onSubmit={review} noValidate>
        <AddressField
          id="glass-patient"
          label="Patient's address"
          value={patient}
          onValue={(value) => {
            setPatient(value);
            setConfirming(false);
          }}
          error={errors["glass-patient"]}
          suggestions={patients}
          disabled={tx.busy}
        />
        <SelectField
          id="glass-reason"
          label="Reason"
          placeholder="Choose a reason"
          value={reason}
          onValue={(value) => {
            setReason(value);
            setConfirming(false);
          }}
          error={errors["glass-reason"]}
          disabled={tx.busy}
        >
          {EMERGENCY_REASONS.map((r) => (
            <option key={r.code} value={r.code}>
              {r.label}
            </option>
          ))}
        </SelectField>
        <div role="status" aria-live="polite">
          {windowOf.data && !windowOf.data.allowed ? (
            <p className="notice error">
              This patient has turned emergency access off: the registry will refuse it. Ask for their consent instead.
            </p>
          ) : open ? (
            <p className="notice success" data-testid="emergency-window">
              You have emergency access to this patient&rsquo;s routine data until{" "}
              <strong>{formatDateTime(windowOf.data!.until)}</strong>. It cannot be renewed while it is open: once it
              has ended you may break the glass again, and that use is logged and shown to the patient too.
            </p>
          ) : null}
        </div>
        {!confirming ? (
          <button type="submit" disabled={tx.busy || open}>
            Continue…
          </button>
        ) : null}
      </form>
      {confirming && chosen && patientAddress ? (
        <div className="confirm" role="group" aria-labelledby="glass-confirm-title">
          <p id="glass-confirm-title">
            <strong>
              Break the glass for <span className="mono">{shortAddress(patientAddress)}</span>? Reason: {chosen.label}.
            </strong>
          </p>
          <ul>
            <li>This is logged permanently on the chain with your name and the reason.</li>
            <li>The patient sees it in their history, highlighted as an emergency access.</li>
            <li>You may read their routine data for emergency care for 24 hours; sensitive data stays closed.</li>
          </ul>
          <p className="inline-actions">
            <button
              ref={confirmRef}
              type="button"
              className="primary danger"
              disabled={tx.busy}
              onClick={() => void breakGlass()}
            >
              Yes, break the glass
            </button>{" "}
            <button type="button" disabled={tx.busy} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </p>
        </div>
      ) : null}
      <TransactionStatus state={tx.state} />
      {open && patientAddress ? <EmergencyRecords me={me} patient={patientAddress} /> : null}

      <h3>Your emergency accesses</h3>
      {history.isPending ? <p>Loading…</p> : null}
      {history.error ? (
        <p className="notice error">Could not read your emergency accesses: {history.error.message}</p>
      ) : null}
      {history.data && history.data.accesses.length === 0 ? <p className="muted">None yet.</p> : null}
      {history.data && history.data.accesses.length > 0 ? (
        <ul className="cards">
          {history.data.accesses.slice(0, 10).map((a) => (
            <li key={`${a.transactionHash}`} className="card">
              <span className="mono" title={a.patient}>
                {shortAddress(a.patient)}
              </span>{" "}
              — {a.reason?.label ?? "unlisted reason"} —{" "}
              {a.expiresAt > history.data.now ? (
                <>window until {formatDateTime(a.expiresAt)}</>
              ) : (
                <>ended {formatDateTime(a.expiresAt)}</>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
