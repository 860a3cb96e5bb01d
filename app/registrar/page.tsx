import type { Metadata } from "next";
import { RegistrarView } from "./RegistrarView";

export const metadata: Metadata = { title: "Provider registry · MedConsent" };

export default function RegistrarPage() {
  return <RegistrarView />;
}
