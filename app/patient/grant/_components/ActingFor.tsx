"use client";
// A delegate (a guardian or a caregiver) grants for the patients who named them: from the library's list of those who
// named the connected account and still let it act, the flow offers "your own records" or each such patient's.
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import type { Address } from "viem";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { appConfig } from "@/app/_lib/appConfig";
import { DEMO_PEOPLE } from "@/lib/demoAccounts";
import { shortAddress } from "@/lib/format";

/** The patients for whom `delegate` may grant and revoke now (the library's list; the contract still decides). */
export function useDelegations(delegate: Address) {
  const client = useConsentClient();
  return useQuery({
    queryKey: ["delegations", delegate],
    queryFn: async (): Promise<Address[]> =>
      (await client.listDelegations(delegate)).filter((d) => d.active).map((d) => d.patient),
  });
}

const demoNameOf = (address: Address) =>
  appConfig.isLocalChain ? DEMO_PEOPLE.find((p) => p.address.toLowerCase() === address.toLowerCase())?.name : undefined;

/** "Bob (0x14dC…9955)" on the local demo chain; elsewhere, the short address. */
export function patientLabel(address: Address): string {
  const name = demoNameOf(address);
  return name ? `${name} (${shortAddress(address)})` : shortAddress(address);
}

/** "Bob's", or "the patient's" when the name is not known. */
export function patientPossessive(address: Address): string {
  const name = demoNameOf(address);
  return name ? `${name}'s` : "the patient's";
}

export function ActingFor({
  patients,
  value,
  onChange,
  disabled,
}: {
  patients: readonly Address[];
  /** The patient chosen, or undefined for the connected account's own records. */
  value: Address | undefined;
  onChange: (patient: Address | undefined) => void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <fieldset className="grant-fieldset" data-testid="acting-for">
      <legend>Whose records?</legend>
      <p className="muted">You are a delegate: you may also give access to the records of the people who named you.</p>
      <div className="check-grid">
        <label className="check">
          <input
            type="radio"
            name={`${id}-owner`}
            checked={value === undefined}
            onChange={() => onChange(undefined)}
            disabled={disabled}
          />
          <span>My own records</span>
        </label>
        {patients.map((patient) => (
          <label key={patient} className="check">
            <input
              type="radio"
              name={`${id}-owner`}
              checked={value?.toLowerCase() === patient.toLowerCase()}
              onChange={() => onChange(patient)}
              disabled={disabled}
            />
            <span>
              Acting for {patientLabel(patient)} <span className="muted">as their delegate</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
