import type { Metadata } from "next";
import { PatientDashboard } from "./_components/PatientDashboard";

export const metadata: Metadata = { title: "Your consents and records · MedConsent" };

export default function PatientPage() {
  return <PatientDashboard />;
}
