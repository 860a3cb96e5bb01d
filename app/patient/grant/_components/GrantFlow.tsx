"use client";
// The patient's grant-and-change flow: provider, data, actions, purposes, end date → review in plain words → submit
// as a transaction (grantConsent) or gas-free (an EIP-712 signature that /api/relay submits as grantConsentBySig; the
// relay sends only the signed-in patient's own signature, so the flow signs in to the gateway first when needed).
import { useProviders } from "@/app/_hooks/useProviders";
import type { ProviderInfo } from "@/lib/providers";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { isAddress, type Address } from "viem";
import { useConnection, useSignTypedData } from "wagmi";
import { abis } from "@/lib/contracts/deployedContracts";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useGatewaySession } from "@/app/_hooks/useGatewaySession";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { useUnrelayedSignatures } from "@/app/_hooks/useUnrelayedSignatures";
import type { UnrelayedSignature } from "@/app/_lib/unrelayedSignatures";
import { ShareAfterGrant } from "./ShareAfterGrant";
import { appConfig } from "@/app/_lib/appConfig";
import { summarizeConsent } from "@/lib/consentClient";
import { gateway, GatewayError } from "@/app/_lib/gatewayClient";
import { PURPOSES, READ } from "@/lib/consentCodes";
import { shortAddress } from "@/app/_lib/format";
import {
  emptyGrantForm,
  grantConsentArgs,
  grantFormFromConsent,
  hasSensitive,
  isValid,
  reviewSentence,
  toGrantArgs,
  validateGrant,
  type GrantErrors,
  type GrantFormState,
} from "@/app/_lib/grantForm";
import {
  grantRelayBody,
  grantTypedData,
  signatureDeadline,
  type GrantArgs,
  type RelayBody,
} from "@/lib/consentSignatures";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { ActingFor, patientLabel, patientPossessive, useDelegations } from "./ActingFor";
import { BitPicker } from "./BitPicker";
import { CategoryPicker } from "@/app/_components/CategoryPicker";
import { ExpiryPicker } from "./ExpiryPicker";
import { ProviderPicker } from "./ProviderPicker";
import { useChainClock } from "./useChainClock";
import { useExistingConsent, type ExistingConsent } from "./useExistingConsent";

const ACTION_OPTIONS = [
  { bit: 1, label: "Read your records" },
  { bit: 2, label: "Add new records", hint: "e.g. test results, visit notes" },
];
const PURPOSE_OPTIONS = PURPOSES.map((p) => ({
  bit: p.bit,
  label: p.label.charAt(0).toUpperCase() + p.label.slice(1),
}));

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
  const waitingForConsent = provider !== undefined && existing.isPending && existing.fetchStatus !== "idle";
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
    <GrantEditor
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

function GrantEditor({
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
  const { chainId } = useConnection();
  const client = useConsentClient();
  const tx = useTransactor();
  const signTypedData = useSignTypedData();
  const gatewaySession = useGatewaySession();
  const unrelayed = useUnrelayedSignatures();
  const delegations = useDelegations(patient);
  // A delegate may grant for a patient who named them (grantConsentFor); undefined: the connected account's own.
  const [actingFor, setActingFor] = useState<Address>();
  const owner = actingFor ?? patient;
  const [form, setForm] = useState(initial);
  const [step, setStep] = useState<Step>("edit");
  const [showErrors, setShowErrors] = useState(false);
  const [reviewed, setReviewed] = useState<GrantArgs>();
  const reviewHeading = useRef<HTMLHeadingElement>(null);
  const errorSummary = useRef<HTMLDivElement>(null);
  const doneHeading = useRef<HTMLHeadingElement>(null);

  const chosen = providers.find((p) => p.address.toLowerCase() === form.grantee.toLowerCase());
  const providerStatus = form.grantee === "" ? undefined : (chosen?.status ?? "unregistered");
  const errors: GrantErrors = validateGrant(form, { now: now(), patient: owner, providerStatus });
  const shownErrors = showErrors ? errors : {};
  const current = useExistingConsent(owner, form.grantee || undefined, now);
  const yours = actingFor === undefined ? "your" : patientPossessive(actingFor);
  const providerName = chosen?.name || (form.grantee ? shortAddress(form.grantee) : "");
  const wrongNetwork = chainId !== appConfig.chain.id;
  const confirmed = tx.state.phase === "confirmed";
  const busy = tx.busy;

  useEffect(() => {
    if (step === "review") reviewHeading.current?.focus();
  }, [step]);
  useEffect(() => {
    if (confirmed) doneHeading.current?.focus();
  }, [confirmed]);

  const update = (change: Partial<GrantFormState>) => setForm((previous) => ({ ...previous, ...change }));

  function review() {
    setShowErrors(true);
    if (!isValid(errors)) {
      // Let the summary render first, then move focus to it.
      setTimeout(() => errorSummary.current?.focus(), 0);
      return;
    }
    setReviewed(toGrantArgs(form, { now: now(), patient: owner, providerStatus }));
    tx.reset();
    setStep("review");
  }

  const consentRegistry = appConfig.addresses.consentRegistry;

  async function grantByTransaction(args: GrantArgs) {
    const label = changing ? "Changing access" : "Granting access";
    const registry = { address: consentRegistry, abi: abis.ConsentRegistry } as const;
    if (actingFor !== undefined) {
      await tx.send(`${label} for ${patientLabel(actingFor)}`, {
        ...registry,
        functionName: "grantConsentFor",
        args: [actingFor, ...grantConsentArgs(args)],
      });
    } else {
      await tx.send(label, { ...registry, functionName: "grantConsent", args: grantConsentArgs(args) });
    }
  }

  /** Relays a signed change; if the gateway forgot the session meanwhile, signs in again and retries once. */
  async function relayOnce(body: RelayBody) {
    try {
      return await gateway.relay(body);
    } catch (error) {
      if (!(error instanceof GatewayError && error.needsSignIn)) throw error;
      gatewaySession.forget();
      await gatewaySession.signIn.mutateAsync();
      return gateway.relay(body);
    }
  }

  async function grantGasFree(args: GrantArgs) {
    let signed: UnrelayedSignature | undefined;
    const done = await tx.run(
      changing ? "Changing access without a fee" : "Granting access without a fee",
      async () => {
        const registry = { address: consentRegistry, abi: abis.ConsentRegistry } as const;
        // The same checks the relay will make, before the wallet opens: a refusal is explained without a signature.
        await client.publicClient.simulateContract({
          ...registry,
          functionName: "grantConsent",
          args: grantConsentArgs(args),
          account: patient,
        });
        const [nonce, latest] = await Promise.all([
          client.publicClient.readContract({ ...registry, functionName: "nonces", args: [patient] }),
          client.publicClient.getBlock({ blockTag: "latest" }),
        ]);
        const deadline = signatureDeadline(Number(latest.timestamp));
        const signature = await signTypedData.mutateAsync({
          account: patient,
          ...grantTypedData({ chainId: appConfig.chain.id, consentRegistry, patient, args, nonce, deadline }),
        });
        // Remembered before the relay is asked: if it fails, or this tab closes first, a later revoke cancels it.
        signed = { patient, nonce, deadline: Number(deadline) };
        unrelayed.remember(signed);
        // The relay sends only the signed-in patient's own signature: a sign-in signature too, if this tab has none
        // (after the consent's own, so cancelling that one in the wallet stops the flow before anything else).
        await gatewaySession.ensureSession();
        return relayOnce(grantRelayBody({ patient, args, deadline, signature }));
      },
    );
    // Mined: the registry spent its nonce, so there is nothing left to cancel.
    if (done && signed !== undefined) unrelayed.forget(signed);
  }

  if (step === "review" && reviewed !== undefined) {
    const sentence = reviewSentence(providerName, reviewed, yours);
    const replaces = current.data?.live ? current.data : undefined;
    return (
      <>
        <h1 ref={reviewHeading} tabIndex={-1}>
          {confirmed ? "Done" : "Check before you confirm"}
        </h1>
        <section className="grant-review" aria-label="What you are agreeing to">
          {actingFor !== undefined ? (
            <p data-testid="acting-for-review">
              You are acting for <strong>{patientLabel(actingFor)}</strong> as their delegate.
            </p>
          ) : null}
          <p className="grant-sentence">{sentence}.</p>
          {replaces && !confirmed ? (
            <p className="muted">
              This replaces what {providerName} may do now: {summarizeConsent(replaces, yours)}.
            </p>
          ) : null}
          {hasSensitive(reviewed.categories) ? (
            <p className="sensitive-warning">
              <strong>This includes sensitive data.</strong> Make sure {providerName} really needs it.
            </p>
          ) : null}
          <p className="muted">
            You can change or revoke this access at any time. Data a provider has already read cannot be un-read.
          </p>
        </section>

        <TransactionStatus state={tx.state} />

        {confirmed ? (
          <div className="grant-done">
            <h2 ref={doneHeading} tabIndex={-1}>
              {changing ? "Access changed" : "Access granted"}
            </h2>
            {actingFor === undefined && (reviewed.actions & READ) !== 0 ? (
              <ShareAfterGrant
                patient={patient}
                grantee={reviewed.grantee}
                providerName={providerName}
                categories={reviewed.categories}
              />
            ) : null}
            <p>
              <Link href="/patient" className="button-link primary">
                Back to your consents
              </Link>{" "}
              <Link href="/patient/grant">Give another provider access</Link>
            </p>
          </div>
        ) : (
          <>
            {wrongNetwork ? (
              <p className="notice" role="status">
                Switch your wallet to {appConfig.chain.name} (see the prompt at the top) to confirm.
              </p>
            ) : null}
            <div className="grant-submit">
              {actingFor === undefined ? (
                <button
                  type="button"
                  className="primary"
                  disabled={busy || wrongNetwork}
                  onClick={() => grantGasFree(reviewed)}
                >
                  Confirm with a signature (no fee)
                </button>
              ) : null}
              <button
                type="button"
                className={actingFor === undefined ? undefined : "primary"}
                disabled={busy || wrongNetwork}
                onClick={() => grantByTransaction(reviewed)}
              >
                Confirm with a transaction (you pay the network fee)
              </button>
              <button type="button" disabled={busy} onClick={() => setStep("edit")}>
                Back to edit
              </button>
            </div>
            <p className="muted">
              {actingFor === undefined
                ? "With a signature, your wallet only signs a message and MedConsent sends it to the blockchain for you, at no cost to you. With a transaction, your wallet sends it and pays a small network fee."
                : "As a delegate you confirm with a transaction: your wallet sends it and pays a small network fee."}
            </p>
          </>
        )}
      </>
    );
  }

  const errorList = Object.values(shownErrors);
  return (
    <>
      <h1>{changing ? `Change ${providerName}'s access` : "Give a provider access"}</h1>
      <p className="muted">
        Choose who may see which of your records, what for, and until when. You will check everything before it is
        saved.
      </p>
      {errorList.length > 0 ? (
        <div ref={errorSummary} tabIndex={-1} role="alert" className="notice error">
          <p>Please fix this first:</p>
          <ul>
            {errorList.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <form
        className="grant-form"
        onSubmit={(event) => {
          event.preventDefault();
          review();
        }}
      >
        {!changing && delegations.data !== undefined && delegations.data.length > 0 ? (
          <ActingFor patients={delegations.data} value={actingFor} onChange={setActingFor} />
        ) : null}
        {changing && chosen ? (
          <fieldset className="grant-fieldset">
            <legend>Provider</legend>
            <p>
              <strong>{chosen.name}</strong> <span className="muted">{chosen.kindName}</span>{" "}
              <span className={`state state-provider-${chosen.status}`}>{chosen.status}</span>{" "}
              <span className="mono muted">{shortAddress(chosen.address)}</span>
            </p>
            {current.data?.live ? <p className="muted">Now: {summarizeConsent(current.data, "your")}.</p> : null}
            {shownErrors.grantee ? <p className="field-error">{shownErrors.grantee}</p> : null}
            <Link href="/patient/grant">Choose another provider instead</Link>
          </fieldset>
        ) : (
          <ProviderPicker
            providers={providers}
            value={form.grantee}
            onChange={(grantee) => update({ grantee })}
            error={shownErrors.grantee}
          />
        )}
        {!changing && current.data?.live ? (
          <p className="notice" role="status">
            {providerName} already has access: {summarizeConsent(current.data, yours)}. What you choose here will
            replace it.
          </p>
        ) : null}
        <CategoryPicker
          audience="patient"
          value={form.categories}
          onChange={(categories) => update({ categories })}
          error={shownErrors.categories}
        />
        <BitPicker
          legend="What may they do?"
          options={ACTION_OPTIONS}
          value={form.actions}
          onChange={(actions) => update({ actions })}
          error={shownErrors.actions}
        />
        <BitPicker
          legend="For what purpose?"
          options={PURPOSE_OPTIONS}
          value={form.purposes}
          onChange={(purposes) => update({ purposes })}
          error={shownErrors.purposes}
        />
        <ExpiryPicker
          value={form.expiry}
          onChange={(expiry) => update({ expiry })}
          now={now()}
          error={shownErrors.expiry}
        />
        <div className="grant-submit">
          <button type="submit" className="primary">
            Review
          </button>
          <Link href="/patient">Cancel</Link>
        </div>
      </form>
    </>
  );
}
