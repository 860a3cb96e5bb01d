"use client";
// The /provider page's client island, the view of the connected account: registration, its encryption key, the
// patients who granted it access, reading their records, an access check, adding a record pointer, and break-glass
// for emergency-capable providers.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useConnection } from "wagmi";
import { ConsentList } from "@/app/_components/ConsentList";
import { ListFreshnessNotice } from "@/app/_components/ListFreshnessNotice";
import { EncryptionKeyStatus } from "@/app/_components/vault/EncryptionKeyStatus";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useListFreshness } from "@/app/_hooks/useListFreshness";
import { useProviderInfo } from "@/app/_hooks/useProviders";
import { formatDate, shortAddress } from "@/lib/format";
import { AddRecord } from "./AddRecord";
import { BreakGlass } from "./BreakGlass";
import { CheckAccess } from "./CheckAccess";
import { PatientRecords } from "./PatientRecords";

export function ProviderView() {
  const { address, status } = useConnection();
  if (status !== "connected" || address === undefined) {
    return (
      <>
        <h1>Provider</h1>
        <p>
          Connect the wallet of your practice, hospital, laboratory or study to see the patients who gave you access,
          check access before you read or write, and add records.
        </p>
      </>
    );
  }
  return <ProviderDashboard me={address} />;
}

function ProviderDashboard({ me }: { me: Address }) {
  const client = useConsentClient();
  const profile = useProviderInfo(me);
  const emergency = useQuery({
    queryKey: ["isEmergencyProvider", me],
    queryFn: () =>
      client.publicClient.readContract({
        address: client.addresses.providerRegistry,
        abi: client.abis.ProviderRegistry,
        functionName: "isEmergencyProvider",
        args: [me],
      }),
  });
  const consents = useQuery({
    queryKey: ["consents", "grantee", me],
    queryFn: () => client.listConsents({ grantee: me }),
  });
  const freshness = useListFreshness(consents);

  if (profile.isPending) return <p>Reading your registration…</p>;
  if (profile.error) {
    return (
      <p role="alert" className="notice error">
        Could not read the provider registry: {profile.error.message}
      </p>
    );
  }
  const provider = profile.data;
  if (provider.status === "unregistered") {
    return (
      <>
        <h1>Provider</h1>
        <p className="notice">
          This account (<span className="mono">{me}</span>) is not a registered provider. Patients can only give access
          to providers that a registrar (a licensing body or the network operator) has registered. Ask yours to register
          this address.
        </p>
      </>
    );
  }

  const patients = [...new Set((consents.data ?? []).map((c) => c.patient))];
  return (
    <div className="workbench">
      <h1>{provider.name}</h1>
      <p>
        Registered {provider.kindName} since {formatDate(provider.registeredAt)} ·{" "}
        <span className={`state state-${provider.status === "active" ? "active" : "revoked"}`}>{provider.status}</span>
        {provider.emergencyCapable ? " · emergency-capable" : ""}{" "}
        <span className="mono muted" title={me}>
          {shortAddress(me)}
        </span>
      </p>
      {provider.status === "suspended" ? (
        <p className="notice error" data-testid="suspended-notice">
          <strong>Your registration is suspended.</strong> While it is, you have no access to any patient&rsquo;s data
          and cannot add records or use emergency access. Patients&rsquo; consents stay as they are and apply again if a
          registrar reinstates you.
        </p>
      ) : null}

      <nav aria-label="On this page" className="inline-actions">
        <a href="#encryption-key">Encryption key</a> · <a href="#patients">Your patients</a> ·{" "}
        <a href="#read-records">Read records</a> · <a href="#check">Check access</a> ·{" "}
        <a href="#add-record">Add a record</a>
        {emergency.data ? (
          <>
            {" "}
            · <a href="#emergency">Emergency access</a>
          </>
        ) : null}
      </nav>

      <section aria-labelledby="encryption-key" className="panel">
        <h2 id="encryption-key">Your encryption key</h2>
        <EncryptionKeyStatus account={me} audience="provider" />
      </section>

      <section aria-labelledby="patients" className="panel">
        <h2 id="patients">Your patients</h2>
        <p className="hint">Patients who gave you access, and the state of each consent.</p>
        <ListFreshnessNotice freshness={freshness} />
        {consents.isPending ? <p>Loading your patients…</p> : null}
        {consents.error ? (
          <p role="alert" className="notice error">
            Could not read the consents from the chain: {consents.error.message}
          </p>
        ) : null}
        {consents.data ? <ConsentList consents={consents.data} perspective="provider" headingLevel={3} /> : null}
      </section>

      <PatientRecords me={me} patients={patients} />
      <CheckAccess me={me} patients={patients} />
      <AddRecord me={me} patients={patients} suspended={provider.status === "suspended"} />
      {emergency.data ? (
        <BreakGlass me={me} patients={patients} />
      ) : (
        <p className="muted">
          Emergency (&ldquo;break-glass&rdquo;) access is not part of your registration
          {provider.emergencyCapable && provider.status === "suspended" ? " while you are suspended" : ""}.
        </p>
      )}
    </div>
  );
}
