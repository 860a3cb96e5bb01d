"use client";
// The /registrar page's client island: every registered provider with suspend / reinstate and emergency capability,
// and the form that registers a new one. Accounts without REGISTRAR_ROLE see the list read-only and why.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useConnection } from "wagmi";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useProviders } from "@/app/_hooks/useProviders";
import { isRegistrar } from "@/lib/providers";
import { ProviderCard } from "./ProviderCard";
import { RegisterProvider } from "./RegisterProvider";

export function RegistrarView() {
  const { address, status } = useConnection();
  if (status !== "connected" || address === undefined) {
    return (
      <>
        <h1>Provider registry</h1>
        <p>
          Registrars (licensing bodies or the network operator) register, suspend and reinstate the providers patients
          can give access to. Connect a registrar&rsquo;s wallet to continue.
        </p>
      </>
    );
  }
  return <Registry me={address} />;
}

function Registry({ me }: { me: Address }) {
  const client = useConsentClient();
  const role = useQuery({ queryKey: ["isRegistrar", me], queryFn: () => isRegistrar(client, me) });
  const providers = useProviders();
  const canManage = role.data === true;

  return (
    <div className="workbench">
      <h1>Provider registry</h1>
      {role.isPending ? <p>Checking your registrar role…</p> : null}
      {role.error ? (
        <p role="alert" className="notice error">
          Could not read the provider registry: {role.error.message}
        </p>
      ) : null}
      {role.data === false ? (
        <p className="notice" data-testid="not-registrar">
          This account does not hold the registrar role, so it cannot register, suspend or reinstate providers. Only
          licensing bodies or the network operator are registrars; the list below is public and shown read-only.
        </p>
      ) : null}

      {canManage ? <RegisterProvider known={providers.data ?? []} /> : null}

      <section aria-labelledby="providers" className="panel">
        <h2 id="providers">Providers{providers.data ? ` (${providers.data.length})` : ""}</h2>
        <p className="hint">
          A suspended provider loses every access at once; patients&rsquo; consents are not touched and apply again when
          it is reinstated.
        </p>
        {providers.isPending ? <p>Loading the providers…</p> : null}
        {providers.error ? (
          <p role="alert" className="notice error">
            Could not read the providers: {providers.error.message}
          </p>
        ) : null}
        {providers.data && providers.data.length === 0 ? <p>No providers registered yet.</p> : null}
        {providers.data && providers.data.length > 0 ? (
          <ul className="cards">
            {providers.data.map((p) => (
              <ProviderCard key={p.address} provider={p} canManage={canManage} />
            ))}
          </ul>
        ) : null}
      </section>
    </div>
  );
}
