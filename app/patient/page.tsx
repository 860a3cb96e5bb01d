"use client";
import { useQuery } from "@tanstack/react-query";
import { useConnection } from "wagmi";
import { ConsentList } from "../_components/ConsentList";
import { useConsentClient } from "../_hooks/useConsentClient";

export default function PatientPage() {
  const { address, status } = useConnection();
  const client = useConsentClient();
  const consents = useQuery({
    queryKey: ["consents", "patient", address],
    queryFn: () => client.listConsents({ patient: address! }),
    enabled: address !== undefined,
  });

  if (status !== "connected" || address === undefined) {
    return (
      <>
        <h1>Your consents</h1>
        <p>Connect your wallet to see who may see your records.</p>
      </>
    );
  }
  return (
    <>
      <h1>Your consents</h1>
      {consents.isPending ? <p>Loading your consents…</p> : null}
      {consents.error ? (
        <p role="alert" className="notice error">
          Could not read your consents from the chain: {consents.error.message}
        </p>
      ) : null}
      {consents.data ? <ConsentList consents={consents.data} perspective="patient" /> : null}
    </>
  );
}
