"use client";
// Delegates (guardians, caregivers) who may grant and revoke consents for the patient, and the emergency setting.
import { useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { isAddress, zeroAddress, type Address } from "viem";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useEmergencyEscrow } from "@/app/_hooks/useEmergencyEscrow";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { formatDateTime } from "@/lib/format";
import { latestDelegates, openEmergencyAccesses } from "@/app/_lib/timeline";
import { EmergencyEscrowStatus, EmergencyTrustNote } from "./EmergencyEscrow";
import { useChainNow, useNames, usePatientEvents } from "./usePatientData";

export function DelegatesSection({ patient }: { patient: Address }) {
  return (
    <section id="delegates" aria-labelledby="delegates-heading" className="patient-section">
      <h2 id="delegates-heading">Delegates and emergency access</h2>
      <Delegates patient={patient} />
      <EmergencyAccess patient={patient} />
    </section>
  );
}

function Delegates({ patient }: { patient: Address }) {
  const client = useConsentClient();
  const events = usePatientEvents(patient);
  const tx = useTransactor();
  const candidates = latestDelegates(events.data ?? []);
  // The events say who was added last since the last revoke-all (which removes every delegate); the chain confirms
  // they still are.
  const confirmed = useQuery({
    queryKey: ["delegates", patient, candidates],
    queryFn: async () => {
      const flags = await Promise.all(
        candidates.map((delegate) =>
          client.publicClient.readContract({
            address: client.addresses.consentRegistry,
            abi: client.abis.ConsentRegistry,
            functionName: "isDelegate",
            args: [patient, delegate],
          }),
        ),
      );
      return candidates.filter((_, i) => flags[i]);
    },
    enabled: events.data !== undefined,
  });
  const delegates = confirmed.data ?? [];
  const nameOf = useNames(delegates);

  const [input, setInput] = useState("");
  const [error, setError] = useState<string>();
  const inputId = useId();
  const errorId = useId();

  const setDelegate = (delegate: Address, allowed: boolean, label: string) =>
    tx.send(label, {
      contract: "ConsentRegistry",
      functionName: "setDelegate",
      args: [delegate, allowed],
    });

  async function add(event: FormEvent) {
    event.preventDefault();
    const value = input.trim();
    const problem = delegateProblem(value, patient, delegates);
    setError(problem);
    if (problem) return;
    if (await setDelegate(value as Address, true, "Adding your delegate")) setInput("");
  }

  return (
    <div className="subsection">
      <h3>Delegates</h3>
      <p className="muted">
        A delegate (a guardian or a caregiver) may grant and revoke consents for you. A delegate cannot revoke
        everything, change your delegates or your emergency setting: only you can. Revoking everything also removes all
        your delegates: name them again afterwards if you still want them.
      </p>
      <TransactionStatus state={tx.state} />
      {events.isPending || confirmed.isPending ? <p>Loading your delegates…</p> : null}
      {events.error || confirmed.error ? (
        <p role="alert" className="notice error">
          Could not read your delegates from the chain.
        </p>
      ) : null}
      {confirmed.data?.length === 0 ? <p>You have no delegates.</p> : null}
      <ul className="cards">
        {delegates.map((delegate) => {
          const name = nameOf(delegate);
          return (
            <li key={delegate} className="card delegate">
              <span>
                {name ? <strong>{name}</strong> : null} <span className="mono small">{delegate}</span>
              </span>
              <button
                type="button"
                disabled={tx.busy}
                onClick={() => setDelegate(delegate, false, `Removing ${name ?? "your delegate"}`)}
              >
                Remove<span className="visually-hidden"> {name ?? delegate} as delegate</span>
              </button>
            </li>
          );
        })}
      </ul>
      <form className="inline-form" onSubmit={add} noValidate>
        <div className="field">
          <label htmlFor={inputId}>Add a delegate by their account address</label>
          <input
            id={inputId}
            className="mono"
            value={input}
            placeholder="0x…"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={error !== undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => {
              setInput(e.target.value);
              setError(undefined);
            }}
          />
          {error ? (
            <p id={errorId} className="field-error">
              {error}
            </p>
          ) : null}
        </div>
        <button type="submit" className="primary" disabled={tx.busy}>
          Add delegate
        </button>
      </form>
    </div>
  );
}

/** Why this text cannot be added as a delegate, in plain words; undefined when it can. */
export function delegateProblem(value: string, patient: Address, current: readonly Address[]): string | undefined {
  if (value === "") return "Enter the account address of the person, e.g. 0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f.";
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) return "An account address is 0x followed by 40 characters 0-9 and a-f.";
  if (!isAddress(value)) return "This address has a typo (its capital letters do not match): copy it again.";
  if (value.toLowerCase() === zeroAddress) return "The zero address belongs to nobody.";
  if (value.toLowerCase() === patient.toLowerCase()) return "This is your own address: a delegate is someone else.";
  if (current.some((d) => d.toLowerCase() === value.toLowerCase())) return "This person is already your delegate.";
  return undefined;
}

function EmergencyAccess({ patient }: { patient: Address }) {
  const client = useConsentClient();
  const tx = useTransactor();
  const events = usePatientEvents(patient);
  const now = useChainNow();
  const registry = { address: client.addresses.consentRegistry, abi: client.abis.ConsentRegistry } as const;
  const allowed = useQuery({
    queryKey: ["emergencyAccessAllowed", patient],
    queryFn: () =>
      client.publicClient.readContract({ ...registry, functionName: "emergencyAccessAllowed", args: [patient] }),
  });
  const candidates = now.data === undefined ? [] : openEmergencyAccesses(events.data ?? [], now.data);
  const open = useQuery({
    queryKey: ["emergencyOpen", patient, candidates, now.data],
    queryFn: async () => {
      const until = await Promise.all(
        candidates.map((c) =>
          client.publicClient.readContract({
            ...registry,
            functionName: "emergencyAccessUntil",
            args: [patient, c.grantee],
          }),
        ),
      );
      return candidates
        .map((c, i) => ({ grantee: c.grantee, until: Number(until[i]) }))
        .filter((c) => c.until > (now.data ?? 0));
    },
    enabled: now.data !== undefined && events.data !== undefined,
  });
  const nameOf = useNames((open.data ?? []).map((o) => o.grantee));

  const escrow = useEmergencyEscrow(patient);

  async function toggle(next: boolean) {
    const changed = await tx.send(next ? "Turning emergency access on" : "Turning emergency access off", {
      contract: "ConsentRegistry",
      functionName: "setEmergencyAccess",
      args: [next],
    });
    // The key path follows the setting (EmergencyEscrow.tsx): routine records prepared when on, copies deleted when off.
    if (changed && next) escrow.prepare.mutate();
    if (changed && !next) escrow.withdraw.mutate();
  }

  return (
    <div className="subsection">
      <h3>Emergency access (“break the glass”)</h3>
      <EmergencyTrustNote />
      <TransactionStatus state={tx.state} />
      {allowed.data === undefined ? (
        <p>{allowed.error ? "Could not read your emergency setting from the chain." : "Loading your setting…"}</p>
      ) : (
        <div className="setting">
          <p>
            Emergency access is{" "}
            <strong className={allowed.data ? "setting-on" : "setting-off"}>{allowed.data ? "on" : "off"}</strong>.
          </p>
          <button
            type="button"
            className={allowed.data ? "danger" : "primary"}
            disabled={tx.busy}
            onClick={() => void toggle(!allowed.data)}
          >
            {allowed.data ? "Turn emergency access off" : "Turn emergency access on"}
          </button>
        </div>
      )}
      {allowed.data !== undefined ? <EmergencyEscrowStatus escrow={escrow} allowed={allowed.data} /> : null}
      {open.data && open.data.length > 0 ? (
        <div className="notice emergency" role="note">
          <p>Emergency access open now:</p>
          <ul>
            {open.data.map((o) => (
              <li key={o.grantee}>
                <strong title={o.grantee}>{nameOf(o.grantee) ?? o.grantee}</strong> may read your routine data until{" "}
                {formatDateTime(o.until)}.
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
