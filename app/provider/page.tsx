import type { Metadata } from "next";
import { ProviderView } from "./ProviderView";

export const metadata: Metadata = { title: "Provider · MedConsent" };

export default function ProviderPage() {
  return <ProviderView />;
}
