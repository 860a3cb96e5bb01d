"use client";
// Add a record pointer for a patient: the content hash of the encrypted file (typed, or computed here from the file)
// and its URI. Checked against the patient's consent first, so a refusal is explained before the wallet opens.
import { CategoryOptions } from "@/app/_components/CategoryOptions";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { stringToBytes, type Address, type Hex } from "viem";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { APPEND, CATEGORIES } from "@/lib/consentCodes";
import { isContentHash, sha256OfFile } from "@/lib/contentHash";
import { cidOfHash } from "@/lib/vault/cid";
import { checkAddress } from "@/lib/providers";
import { AddressField, FieldError, SelectField, TextField, focusFirstError } from "@/app/_components/fields";

const MAX_URI_BYTES = 256;

export function AddRecord({
  me,
  patients,
  suspended,
}: {
  me: Address;
  patients: readonly Address[];
  suspended: boolean;
}) {
  const client = useConsentClient();
  const tx = useTransactor();
  const [patient, setPatient] = useState("");
  const [category, setCategory] = useState("");
  const [hash, setHash] = useState("");
  const [uri, setUri] = useState("");
  const [hashing, setHashing] = useState<string>();
  const [fileError, setFileError] = useState<string>();
  const [submitted, setSubmitted] = useState(false);
  const [fileKey, setFileKey] = useState(0);

  const patientCheck = checkAddress(patient, "patient's address");
  const patientAddress = patientCheck.ok ? patientCheck.value : undefined;
  const categoryInfo = CATEGORIES.find((c) => String(c.bit) === category);
  const hashText = hash.trim();
  const defaultUri = isContentHash(hashText) ? cidOfHash(hashText) : "";
  const uriToSend = uri.trim() || defaultUri;

  const allowed = useQuery({
    queryKey: ["coversActions", patientAddress, me, categoryInfo?.bit, APPEND],
    enabled: patientAddress !== undefined && categoryInfo !== undefined,
    queryFn: async () =>
      patientAddress === me ||
      client.publicClient.readContract({
        address: client.addresses.consentRegistry,
        abi: client.abis.ConsentRegistry,
        functionName: "coversActions",
        args: [patientAddress!, me, 1n << BigInt(categoryInfo!.bit), APPEND],
      }),
  });

  const uriBytes = stringToBytes(uriToSend).length;
  const problems = {
    "record-patient": patientCheck.ok ? undefined : patientCheck.error,
    "record-category": categoryInfo ? undefined : "Choose the record's category.",
    "record-hash": isContentHash(hashText)
      ? undefined
      : hashText === ""
        ? "Enter the content hash, or choose the file to compute it."
        : "A content hash is 0x followed by 64 hexadecimal digits (and not all zeros).",
    "record-uri":
      uriBytes <= MAX_URI_BYTES ? undefined : `The URI is ${uriBytes} bytes; at most ${MAX_URI_BYTES} are allowed.`,
  };
  const errors = Object.fromEntries(
    Object.entries(problems).map(([id, error]) => [id, submitted ? error : undefined]),
  ) as typeof problems;

  async function chooseFile(file: File | undefined) {
    setFileError(undefined);
    if (!file) return;
    setHashing(file.name);
    try {
      setHash(await sha256OfFile(file));
    } catch (error) {
      setFileError(`Could not read the file: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setHashing(undefined);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    const invalid = Object.entries(problems)
      .filter(([, error]) => error !== undefined)
      .map(([id]) => id);
    if (invalid.length > 0 || !patientAddress || !categoryInfo) {
      focusFirstError(invalid);
      return;
    }
    if (allowed.data === false) return;
    const ok = await tx.send(`Add a ${categoryInfo.label} record`, {
      contract: "RecordRegistry",
      functionName: "addRecord",
      args: [patientAddress, hashText as Hex, categoryInfo.bit, uriToSend],
    });
    if (ok) {
      setHash("");
      setUri("");
      setSubmitted(false);
      setFileKey((k) => k + 1);
    }
  }

  const permission =
    patientAddress === undefined || categoryInfo === undefined ? null : allowed.isPending ? (
      <p className="notice">Checking whether this patient lets you add {categoryInfo.label} records…</p>
    ) : allowed.error ? (
      <p className="notice error">Could not check the patient&rsquo;s consent: {allowed.error.message}</p>
    ) : allowed.data ? (
      <p className="notice success">
        {patientAddress === me
          ? "These are your own records: you may add them."
          : `Allowed: this patient lets you add ${categoryInfo.label} records.`}
      </p>
    ) : (
      <p className="notice error">
        <strong>Not allowed.</strong>{" "}
        {suspended
          ? "Your registration is suspended, so you cannot add records."
          : `This patient has not allowed you to add ${categoryInfo.label} records: you hold no live consent that covers adding records in this category. The registry would refuse it.`}
      </p>
    );

  return (
    <section aria-labelledby="add-record" className="panel">
      <h2 id="add-record">Add a record</h2>
      <p className="hint">
        Register a pointer to an encrypted record file: only its hash and address go on the chain, never its contents.
        The patient sees every record you add.
      </p>
      <form onSubmit={submit} noValidate>
        <AddressField
          id="record-patient"
          label="Patient's address"
          value={patient}
          onValue={setPatient}
          error={errors["record-patient"]}
          suggestions={patients}
          disabled={tx.busy}
        />
        <SelectField
          id="record-category"
          label="Category"
          placeholder="Choose a category"
          value={category}
          onValue={setCategory}
          error={errors["record-category"]}
          disabled={tx.busy}
        >
          <CategoryOptions />
        </SelectField>
        <div role="status" aria-live="polite">
          {permission}
        </div>
        <div className="field">
          <label htmlFor="record-file">Encrypted file (optional)</label>
          <p id="record-file-hint" className="hint">
            Choose the file to compute its SHA-256 hash here, in your browser. The file is not uploaded.
          </p>
          <input
            key={fileKey}
            id="record-file"
            type="file"
            aria-describedby={fileError ? "record-file-hint record-file-error" : "record-file-hint"}
            disabled={tx.busy || hashing !== undefined}
            onChange={(e) => void chooseFile(e.target.files?.[0])}
          />
          {hashing ? <p className="hint">Computing the hash of {hashing}…</p> : null}
          <FieldError id="record-file" error={fileError} />
        </div>
        <TextField
          id="record-hash"
          label="Content hash"
          hint="SHA-256 of the encrypted file: 0x and 64 hexadecimal digits. Filled in when you choose the file."
          className="mono"
          spellCheck={false}
          autoComplete="off"
          placeholder="0x…"
          value={hash}
          onValue={setHash}
          error={errors["record-hash"]}
          disabled={tx.busy}
        />
        <TextField
          id="record-uri"
          label="Content URI (optional)"
          hint={
            defaultUri ? (
              <>
                Leave empty to use the file&rsquo;s content identifier: <span className="mono">{defaultUri}</span>
              </>
            ) : (
              "Where the encrypted file can be fetched. Leave empty to use the content identifier (CID) of the hash."
            )
          }
          className="mono"
          spellCheck={false}
          autoComplete="off"
          value={uri}
          onValue={setUri}
          error={errors["record-uri"]}
          disabled={tx.busy}
        />
        <button type="submit" className="primary" disabled={tx.busy || allowed.data === false}>
          Add the record
        </button>
      </form>
      <TransactionStatus state={tx.state} />
    </section>
  );
}
