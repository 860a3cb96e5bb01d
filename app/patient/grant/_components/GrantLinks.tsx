// Links into the grant flow from the patient's dashboard.
import Link from "next/link";
import type { ConsentEntry } from "@/lib/consentClient";

/** "Grant access": starts a new consent. */
export function GrantAccessLink() {
  return (
    <Link href="/patient/grant" className="button-link primary">
      Give a provider access
    </Link>
  );
}

/**
 * "Change": the grant flow prefilled with this consent; only for consents that are still live. Not prefetched: each
 * consent's link is its own URL, so a dashboard of 500 consents would ask the server for hundreds of copies of one route
 * (the "Give a provider access" link already prefetches it).
 */
export function ChangeConsentLink({ consent }: { consent: ConsentEntry }) {
  if (consent.state !== "active" && consent.state !== "expiring") return null;
  return (
    <Link href={`/patient/grant?provider=${consent.grantee}`} className="button-link" prefetch={false}>
      Change
    </Link>
  );
}
