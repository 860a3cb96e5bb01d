// Search results as a FHIR searchset Bundle: total, a self link with the search as understood, one match entry per
// resource with its absolute fullUrl, and (meta.lastUpdated) the time of the block its chain data is current to.
import "server-only";
import type { Bundle, FhirResource } from "fhir/r4";
import { fhirDateTime } from "@/lib/fhir/consent";

export function searchsetBundle(
  origin: string,
  type: string,
  search: URLSearchParams,
  resources: FhirResource[],
  nowSeconds = Math.floor(Date.now() / 1000),
  currentToSeconds?: number,
): Bundle {
  const base = `${origin}/api/fhir`;
  const query = search.toString();
  return {
    resourceType: "Bundle",
    ...(currentToSeconds === undefined ? {} : { meta: { lastUpdated: fhirDateTime(currentToSeconds) } }),
    type: "searchset",
    timestamp: fhirDateTime(nowSeconds),
    total: resources.length,
    link: [{ relation: "self", url: `${base}/${type}${query === "" ? "" : `?${query}`}` }],
    entry: resources.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: "match" },
    })),
  };
}
