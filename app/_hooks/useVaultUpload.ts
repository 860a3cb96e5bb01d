"use client";
// The patient's upload, step by step: encrypt in the browser → store the ciphertext with the gateway, together with
// the patient's own wrapped key → register the pointer on chain (addRecord) → link that key to the new record id →
// wrap for every current reader of that category. The key is on the gateway before the chain transaction, so a record
// can never exist that its patient cannot open. Each step reports in plain words what stopped and what is done.
import { useRef, useState } from "react";
import { parseEventLogs, type Address } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import type { CategoryInfo } from "@/lib/consentCodes";
import type { FhirValidation } from "@/lib/fhir/validate";
import { describeVaultFailure, gateway, GatewayError, withRetries } from "@/app/_lib/gatewayClient";
import { useConsentClient } from "./useConsentClient";
import { useEncryptionKey } from "./useEncryptionKey";
import { useGatewaySession } from "./useGatewaySession";
import { useTransactor } from "./useTransactor";
import { escrowNewRecord } from "./useEmergencyEscrow";
import { readersOfCategory, shareRecordKey } from "./useVaultShare";

export type UploadStepId = "unlock" | "encrypt" | "upload" | "register" | "ownKey" | "share" | "emergency";
export type StepStatus = "waiting" | "active" | "done" | "failed" | "skipped";

export interface UploadStep {
  id: UploadStepId;
  label: string;
  status: StepStatus;
  detail?: string;
}

const STEPS: { id: UploadStepId; label: string }[] = [
  { id: "unlock", label: "Sign in to the gateway and unlock your encryption key" },
  { id: "encrypt", label: "Encrypt the file in your browser" },
  { id: "upload", label: "Store the encrypted file, and a key for yourself, with the gateway" },
  { id: "register", label: "Record its fingerprint on the chain" },
  { id: "ownKey", label: "Link your key to the new record" },
  { id: "share", label: "Share with the providers who may read this kind of data" },
  { id: "emergency", label: "Prepare it for an emergency department (routine records, while emergency access is on)" },
];

const initialSteps = (): UploadStep[] => STEPS.map((s) => ({ ...s, status: "waiting" }));

export function useVaultUpload(patient: Address) {
  const client = useConsentClient();
  const session = useGatewaySession();
  const key = useEncryptionKey(patient);
  const tx = useTransactor();
  const [steps, setSteps] = useState<UploadStep[]>(initialSteps);
  const [progress, setProgress] = useState<{ sent: number; total: number }>();
  const [running, setRunning] = useState(false);
  const [recordId, setRecordId] = useState<bigint>();

  const mark = (id: UploadStepId, status: StepStatus, detail?: string) =>
    setSteps((all) => all.map((s) => (s.id === id ? { ...s, status, detail } : s)));

  async function upload(file: File, category: number): Promise<boolean> {
    setSteps(initialSteps());
    setProgress(undefined);
    setRecordId(undefined);
    setRunning(true);
    let step: UploadStepId = "unlock";
    try {
      mark("unlock", "active");
      await session.ensureSession();
      const { publicKey } = await key.ensureKey();
      mark("unlock", "done");

      step = "encrypt";
      mark("encrypt", "active");
      const { encryptRecord, wrapRecordKey } = await import("@/lib/vault");
      const bytes = new Uint8Array(await file.arrayBuffer());
      performance.mark("medconsent:encrypt:start");
      const encrypted = await encryptRecord({ bytes, name: file.name, type: file.type || "application/octet-stream" });
      performance.mark("medconsent:encrypt:end");
      performance.measure("medconsent:encrypt", "medconsent:encrypt:start", "medconsent:encrypt:end");
      mark(
        "encrypt",
        "done",
        `Only the encrypted version (${encrypted.ciphertext.length} bytes) leaves this computer.`,
      );

      step = "upload";
      mark("upload", "active");
      // The patient's own key goes with the file: if this fails, we stop here, before anything is on chain.
      const ownKey = wrapRecordKey(encrypted.recordKey, publicKey, encrypted.contentHash);
      await gateway.uploadBlob(
        encrypted.cid,
        encrypted.ciphertext,
        { patient, category },
        (sent, total) => setProgress({ sent, total }),
        ownKey,
      );
      mark("upload", "done");

      step = "register";
      mark("register", "active", "Confirm in your wallet.");
      const receipt = await tx.send("Adding the record", {
        contract: "RecordRegistry",
        functionName: "addRecord",
        args: [patient, encrypted.contentHash, category, encrypted.cid],
      });
      if (receipt === undefined) {
        mark(
          "register",
          "failed",
          "The chain did not record it (see the message below). The encrypted file is stored but points nowhere.",
        );
        return false;
      }
      const [added] = parseEventLogs({ abi: abis.RecordRegistry, eventName: "RecordAdded", logs: receipt.logs });
      const id = added.args.recordId;
      setRecordId(id);
      mark("register", "done", `It is record ${id}.`);

      step = "ownKey";
      mark("ownKey", "active");
      try {
        await withRetries(() => gateway.putWrappedKey(patient, id, patient, ownKey));
        mark("ownKey", "done");
      } catch (error) {
        if (error instanceof GatewayError && error.needsSignIn) session.forget();
        // Nothing is lost: the gateway holds the key from the upload and links it when the record is next opened.
        mark("ownKey", "skipped", ownKeyNotLinked(id, error));
      }

      step = "share";
      mark("share", "active");
      const readers = readersOfCategory(await client.listConsents({ patient }), category);
      const names = await Promise.all(readers.map(async (r) => (await client.getProvider(r)).name || r));
      const shared: string[] = [];
      const waiting: string[] = [];
      const refused: string[] = [];
      for (const [i, reader] of readers.entries()) {
        try {
          const outcome = await shareRecordKey(client, {
            patient,
            recordId: id,
            contentHash: encrypted.contentHash,
            recordKey: encrypted.recordKey,
            reader,
          });
          (outcome === "shared" ? shared : waiting).push(names[i]);
        } catch (error) {
          // One reader the gateway will not accept (e.g. suspended) does not undo the others.
          refused.push(`${names[i]} (${describeVaultFailure(error)})`);
        }
      }
      mark("share", readers.length === 0 ? "skipped" : "done", shareSummary(shared, waiting, refused));

      // Emergency escrow (useEmergencyEscrow.ts). A failure here leaves the record stored and shared.
      step = "emergency";
      mark("emergency", "active");
      try {
        const outcome = await escrowNewRecord(client, { patient, recordId: id, category, ...encrypted });
        mark("emergency", outcome === "prepared" ? "done" : "skipped", EMERGENCY_OUTCOMES[outcome]);
      } catch (error) {
        mark(
          "emergency",
          "failed",
          `${describeVaultFailure(error)} The record is stored and shared; prepare it later under “Delegates & emergency”.`,
        );
      }
      return true;
    } catch (error) {
      if (error instanceof GatewayError && error.needsSignIn) session.forget();
      mark(step, "failed", describeVaultFailure(error));
      return false;
    } finally {
      setRunning(false);
    }
  }

  return { steps, progress, running, recordId, upload, tx };
}

const EMERGENCY_OUTCOMES = {
  prepared: "A hospital that breaks the glass can open it in an emergency; every such read is logged and shown to you.",
  sensitive: "Sensitive records are never opened in an emergency.",
  "emergency-off": "Your emergency access is off, so no emergency copy is kept.",
} as const;

/** What it means when the own-key PUT still failed after its retries, in the patient's words. */
export function ownKeyNotLinked(recordId: bigint, error: unknown): string {
  return (
    `The gateway could not link your key to record ${recordId} just now (${describeVaultFailure(error)}). ` +
    "Nothing is lost: your key was stored safely with the file, and it will be linked the next time you open " +
    "this record."
  );
}

function shareSummary(shared: string[], waiting: string[], refused: string[]): string {
  const parts: string[] = [];
  if (shared.length === 0 && waiting.length === 0 && refused.length === 0)
    parts.push("No provider may read this kind of your data now: nothing to share.");
  if (shared.length > 0) parts.push(`Shared with ${shared.join(", ")}.`);
  for (const name of waiting)
    parts.push(`${name} will be able to read new shares once they publish an encryption key.`);
  if (refused.length > 0) parts.push(`Not shared with ${refused.join("; ")}.`);
  return parts.join(" ");
}

/** What the portal learned from a picked JSON file before upload; everything stays in this browser. */
export interface FhirInspection {
  /** The category its FHIR resources suggest, if any maps. */
  suggested?: CategoryInfo;
  /** Undefined while the schema loads and checks (the first time takes a moment). */
  validation?: FhirValidation;
  /** The check itself could not run (e.g. the schema did not load): the upload goes ahead as a plain file. */
  checkFailed?: boolean;
}

const isJsonFile = (file: File) =>
  file.type.toLowerCase().includes("json") || file.name.toLowerCase().endsWith(".json");

/**
 * Reads a picked file and, when it is FHIR JSON (it has a resourceType), suggests its category at once and then
 * validates it against the R4 schema, which loads only now. A newer pick replaces the answer for an older one.
 */
export function useFhirInspection() {
  const [inspection, setInspection] = useState<FhirInspection>();
  const latest = useRef(0);

  async function inspect(file: File | undefined): Promise<CategoryInfo | undefined> {
    const pick = ++latest.current;
    setInspection(undefined);
    if (!file || !isJsonFile(file)) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      return undefined; // Not JSON after all: stored as a file like any other.
    }
    const { isFhirResource, suggestCategory } = await import("@/lib/fhir/records");
    if (pick !== latest.current || !isFhirResource(json)) return undefined;
    const suggested = suggestCategory(json);
    setInspection({ suggested });
    import("@/lib/fhir/validate")
      .then(({ validateFhir }) => validateFhir(json))
      .then(
        (validation) => pick === latest.current && setInspection({ suggested, validation }),
        () => pick === latest.current && setInspection({ suggested, checkFailed: true }),
      );
    return suggested;
  }

  return { inspection, inspect };
}
