"use client";
// The patient's grant-and-change flow: provider, data, actions, purposes, end date (GrantEditor) → review in plain
// words → submit as a transaction or gas-free (GrantReview, useGrantConsent). This file loads what the flow starts
// from and holds the form between the two steps.
import { useRef, useState } from "react";
import { isAddress, type Address } from "viem";
import { useConnection } from "wagmi";
import { useProviders } from "@/app/_hooks/useProviders";
import { shortAddress } from "@/lib/format";
import {
  emptyGrantForm,
  grantFormFromConsent,
  isValid,
  toGrantArgs,
  validateGrant,
  type GrantErrors,
  type GrantFormState,
} from "@/app/_lib/grantForm";
import type { GrantArgs } from "@/lib/consentSignatures";
import type { ProviderInfo } from "@/lib/providers";
import { patientPossessive, useDelegations } from "./ActingFor";
import { GrantEditor } from "./GrantEditor";
import { GrantReview } from "./GrantReview";
import { useChainClock } from "./useChainClock";
import { useExistingConsent, type ExistingConsent } from "./useExistingConsent";

export function GrantFlow({ provider }: { provider?: string }) {
  const { address, status } = useConnection();
  // A malformed ?provider= is ignored: the flow starts as a new grant.
  const changing = provider !== undefined && isAddress(provider);
  const title = changing ? "Change a provider's access" : "Give a provider access";
  if (status !== "connected" || address === undefined) {
    return (
      <>
        <h1>{title}</h1>
        <p>Connect your wallet (or choose a demo patient) to decide who may see your records.</p>
      </>
    );
  }
  return (
    <GrantLoader key={`${address}:${provider ?? ""}`} patient={address} provider={changing ? provider : undefined} />
  );
}

function GrantLoader({ patient, provider }: { patient: Address; provider?: string }) {
  const directory = useProviders();
  const clock = useChainClock();
  const existing = useExistingConsent(patient, provider, clock.now);
  // The form starts from the consent as the chain has it now: a copy cached before a grant that just confirmed would
  // start "Change" from the old state, and a box ticked on it would silently drop what the provider may do now.
  const waitingForConsent = provider !== undefined && !existing.isFetchedAfterMount && existing.fetchStatus !== "idle";
  const title = provider !== undefined ? "Change a provider's access" : "Give a provider access";

  const problem = directory.error ?? clock.error ?? existing.error;
  if (problem) {
    return (
      <>
        <h1>{title}</h1>
        <p role="alert" className="notice error">
          Could not read the provider registry from the chain: {problem.message}
        </p>
      </>
    );
  }
  if (directory.data === undefined || !clock.ready || waitingForConsent) {
    return (
      <>
        <h1>{title}</h1>
        <p role="status">Loading providers…</p>
      </>
    );
  }
  const initial = initialForm(provider, existing.data, clock.now());
  return (
    <GrantSteps
      patient={patient}
      providers={directory.data}
      initial={initial}
      changing={provider !== undefined}
      now={clock.now}
    />
  );
}

function initialForm(provider: string | undefined, existing: ExistingConsent | undefined, now: number): GrantFormState {
  if (provider === undefined) return emptyGrantForm();
  if (existing === undefined || existing.expiresAt === 0) return emptyGrantForm(provider);
  const form = grantFormFromConsent(provider, existing);
  // An expired or revoked consent still shows its terms; only its end date needs choosing again.
  return existing.live && existing.expiresAt > now ? form : { ...form, expiry: emptyGrantForm().expiry };
}

type Step = "edit" | "review";

function GrantSteps({
  patient,
  providers,
  initial,
  changing,
  now,
}: {
  patient: Address;
  providers: ProviderInfo[];
  initial: GrantFormState;
  changing: boolean;
  now: () => number;
}) {
  const delegations = useDelegations(patient);
  // A delegate may grant for a patient who named them (grantConsentFor); undefined: the connected account's own.
  const [actingFor, setActingFor] = useState<Address>();
  const owner = actingFor ?? patient;
  const [form, setForm] = useState(initial);
  const [step, setStep] = useState<Step>("edit");
  const [showErrors, setShowErrors] = useState(false);
  const [reviewed, setReviewed] = useState<GrantArgs>();
  const errorSummary = useRef<HTMLDivElement>(null);

  const chosen = providers.find((p) => p.address.toLowerCase() === form.grantee.toLowerCase());
  const providerStatus = form.grantee === "" ? undefined : (chosen?.status ?? "unregistered");
  const errors: GrantErrors = validateGrant(form, { now: now(), patient: owner, providerStatus });
  const current = useExistingConsent(owner, form.grantee || undefined, now);
  const yours = actingFor === undefined ? "your" : patientPossessive(actingFor);
  const providerName = chosen?.name || (form.grantee ? shortAddress(form.grantee) : "");

  const update = (change: Partial<GrantFormState>) => setForm((previous) => ({ ...previous, ...change }));

  function review() {
    setShowErrors(true);
    if (!isValid(errors)) {
      // Let the summary render first, then move focus to it.
      setTimeout(() => errorSummary.current?.focus(), 0);
      return;
    }
    setReviewed(toGrantArgs(form, { now: now(), patient: owner, providerStatus }));
    setStep("review");
  }

  if (step === "review" && reviewed !== undefined) {
    return (
      <GrantReview
        patient={patient}
        actingFor={actingFor}
        changing={changing}
        reviewed={reviewed}
        providerName={providerName}
        yours={yours}
        current={current.data}
        onBack={() => setStep("edit")}
      />
    );
  }
  return (
    <GrantEditor
      providers={providers}
      form={form}
      update={update}
      shownErrors={showErrors ? errors : {}}
      errorSummary={errorSummary}
      changing={changing}
      chosen={chosen}
      current={current.data}
      providerName={providerName}
      yours={yours}
      delegators={delegations.data}
      actingFor={actingFor}
      onActingFor={setActingFor}
      now={now}
      onReview={review}
    />
  );
}
