import type { Metadata } from "next";

export const metadata: Metadata = { title: "Your medical records, your decision · MedConsent" };

export default function HomePage() {
  return (
    <>
      <h1>Your medical records, your decision</h1>
      <p>
        MedConsent keeps your records encrypted and off the blockchain. The chain keeps only who may see which kinds of
        your data, for what purpose, and until when, so every clinic, laboratory or study can check it and nobody can
        quietly change it.
      </p>
      <ul>
        <li>
          <a href="/patient">Patients</a>: see who has access to what, grant, narrow and revoke it.
        </li>
        <li>
          <a href="/provider">Providers</a>: see who granted you access and check it before you read or write.
        </li>
        <li>
          <a href="/registrar">Registrars</a>: register, suspend and reinstate providers.
        </li>
      </ul>
      <p className="muted">
        Connect a wallet with the button at the top right. On the local demo chain you can act as any of the demo people
        without installing anything.
      </p>
    </>
  );
}
