"use client";
// The patient's dashboard (the /patient page's client island): consents, records, who read them, the audit timeline,
// delegates and the emergency setting; for a passkey account, its passkeys and recovery delegate.
import dynamic from "next/dynamic";
import { useConnection } from "wagmi";
import { PASSKEY_CONNECTOR_TYPE } from "@/app/_lib/passkeyConnector";
import { ChangeConsentLink, GrantAccessLink } from "@/app/patient/grant/_components/GrantLinks";
import { ConsentsSection } from "./ConsentsSection";
import { DelegatesSection } from "./DelegatesSection";
import { DisclosuresSection } from "./DisclosuresSection";
import { RecordsSection } from "./RecordsSection";
import { TimelineSection } from "./TimelineSection";

// Only a passkey account has passkeys to manage: its section loads only for one.
const PasskeysSection = dynamic(() => import("./PasskeysSection").then((m) => m.PasskeysSection));

const SECTIONS = [
  { id: "consents", title: "Consents" },
  { id: "records", title: "Records" },
  { id: "reads", title: "Who read my records" },
  { id: "timeline", title: "Timeline" },
  { id: "delegates", title: "Delegates & emergency" },
];

export function PatientDashboard() {
  const { address, status, connector } = useConnection();
  const isPasskey = connector?.type === PASSKEY_CONNECTOR_TYPE;

  if (status !== "connected" || address === undefined) {
    return (
      <>
        <h1>Your consents</h1>
        <p>Connect your wallet to see who may see your records.</p>
      </>
    );
  }
  return (
    <div className="patient-dashboard">
      <h1>Your consents and records</h1>
      <nav className="section-nav" aria-label="Sections of this page">
        <ul>
          {[...SECTIONS, ...(isPasskey ? [{ id: "passkeys", title: "Passkeys" }] : [])].map((s) => (
            <li key={s.id}>
              <a href={`#${s.id}`}>{s.title}</a>
            </li>
          ))}
        </ul>
      </nav>
      <ConsentsSection
        patient={address}
        headerActions={<GrantAccessLink />}
        consentActions={(consent) => <ChangeConsentLink consent={consent} />}
      />
      <RecordsSection patient={address} />
      <DisclosuresSection patient={address} />
      <TimelineSection patient={address} />
      <DelegatesSection patient={address} />
      {isPasskey ? <PasskeysSection account={address} /> : null}
    </div>
  );
}
