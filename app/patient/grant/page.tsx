import type { Metadata } from "next";
import { GrantFlow } from "@/app/patient/grant/_components/GrantFlow";

export const metadata: Metadata = { title: "Give or change access · MedConsent" };

/** /patient/grant, or /patient/grant?provider=0x… to change that provider's consent. */
export default async function GrantPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { provider } = await searchParams;
  return <GrantFlow provider={typeof provider === "string" ? provider : undefined} />;
}
