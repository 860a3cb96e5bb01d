"use client";
// Register a provider: every field checked here first (address, kind, a name of 1 to 64 UTF-8 bytes, a non-zero
// credential hash), so the registry's refusals are rare and explained before the wallet opens.
import { useState, type FormEvent } from "react";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { useProviderInfo } from "@/app/_hooks/useProviders";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { PROVIDER_KINDS } from "@/lib/consentCodes";
import {
  MAX_PROVIDER_NAME_BYTES,
  checkAddress,
  checkCredential,
  checkProviderKind,
  checkProviderName,
  utf8ByteLength,
  type ProviderInfo,
} from "@/lib/providers";
import { AddressField, SelectField, TextField, focusFirstError } from "@/app/_components/fields";

const KIND_HINTS: Record<(typeof PROVIDER_KINDS)[number], string> = {
  clinician: "an individual doctor, nurse or therapist",
  organization: "a practice, hospital or clinic",
  laboratory: "a laboratory or imaging centre",
  researcher: "a research study or institute",
  payer: "an insurer or other payer",
};

export function RegisterProvider({ known }: { known: readonly ProviderInfo[] }) {
  const tx = useTransactor();
  const [address, setAddress] = useState("");
  const [kind, setKind] = useState("");
  const [name, setName] = useState("");
  const [credential, setCredential] = useState("");
  const [submitted, setSubmitted] = useState(false);

  const addressCheck = checkAddress(address, "provider's address");
  const existing = useProviderInfo(addressCheck.ok ? addressCheck.value : undefined);
  const already =
    existing.data && existing.data.status !== "unregistered"
      ? existing.data
      : known.find((p) => addressCheck.ok && p.address === addressCheck.value);
  const kindCheck =
    kind === "" ? ({ ok: false, error: "Choose the kind of provider." } as const) : checkProviderKind(kind);
  const nameCheck = checkProviderName(name);
  const credentialCheck = checkCredential(credential);
  const nameBytes = utf8ByteLength(name.trim());

  const problems = {
    "reg-address": !addressCheck.ok
      ? addressCheck.error
      : already
        ? `This address is already registered as ${already.name} (${already.status}).`
        : undefined,
    "reg-kind": kindCheck.ok ? undefined : kindCheck.error,
    "reg-name": nameCheck.ok ? undefined : nameCheck.error,
    "reg-credential": credentialCheck.ok ? undefined : credentialCheck.error,
  };
  const errors = Object.fromEntries(
    Object.entries(problems).map(([id, error]) => [id, submitted ? error : undefined]),
  ) as typeof problems;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    const invalid = Object.entries(problems)
      .filter(([, error]) => error !== undefined)
      .map(([id]) => id);
    if (invalid.length > 0 || !addressCheck.ok || !kindCheck.ok || !nameCheck.ok || !credentialCheck.ok) {
      focusFirstError(invalid);
      return;
    }
    const ok = await tx.send(`Register ${nameCheck.value}`, {
      contract: "ProviderRegistry",
      functionName: "registerProvider",
      args: [addressCheck.value, kindCheck.value, nameCheck.value, credentialCheck.value.hash],
    });
    if (ok) {
      setAddress("");
      setKind("");
      setName("");
      setCredential("");
      setSubmitted(false);
    }
  }

  return (
    <section aria-labelledby="register" className="panel">
      <h2 id="register">Register a provider</h2>
      <form onSubmit={submit} noValidate>
        <AddressField
          id="reg-address"
          label="Provider's address"
          hint="The account the provider will use (0x and 40 characters)."
          value={address}
          onValue={setAddress}
          error={errors["reg-address"]}
          disabled={tx.busy}
        />
        <SelectField
          id="reg-kind"
          label="Kind"
          placeholder="Choose a kind"
          value={kind}
          onValue={setKind}
          error={errors["reg-kind"]}
          disabled={tx.busy}
        >
          {PROVIDER_KINDS.map((k) => (
            <option key={k} value={k}>
              {k[0].toUpperCase() + k.slice(1)} — {KIND_HINTS[k]}
            </option>
          ))}
        </SelectField>
        <TextField
          id="reg-name"
          label="Public name"
          hint="Shown to patients when they choose whom to give access. Public: never put a patient's data here."
          value={name}
          onValue={setName}
          error={errors["reg-name"]}
          disabled={tx.busy}
          autoComplete="off"
          describedByExtra="reg-name-count"
        />
        <p
          id="reg-name-count"
          className={`hint counter${nameBytes > MAX_PROVIDER_NAME_BYTES ? " over" : ""}`}
          data-testid="name-bytes"
        >
          {nameBytes} of {MAX_PROVIDER_NAME_BYTES} bytes
        </p>
        <TextField
          id="reg-credential"
          label="Credential"
          hint="A reference to the provider's licence or accreditation (for example its licence number), or its 0x hash. Only a hash goes on the chain."
          value={credential}
          onValue={setCredential}
          error={errors["reg-credential"]}
          disabled={tx.busy}
          autoComplete="off"
          spellCheck={false}
          describedByExtra={credentialCheck.ok ? "reg-credential-hash" : undefined}
        />
        {credentialCheck.ok ? (
          <p id="reg-credential-hash" className="hint">
            {credentialCheck.value.hashed ? "Stored as its keccak-256 hash " : "Stored as given: "}
            <span className="mono">{credentialCheck.value.hash}</span>
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={tx.busy}>
          Register the provider
        </button>
      </form>
      <TransactionStatus state={tx.state} />
    </section>
  );
}
