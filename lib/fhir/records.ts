// FHIR R4 records as a patient or provider sees them: which category a file most likely belongs to, and a readable
// view of its allergies, medications and lab results. Isomorphic (the portal and the unit tests), no Node APIs; the
// input is any parsed JSON, so every field is read defensively.
import type {
  AllergyIntolerance,
  Bundle,
  CodeableConcept,
  FhirResource,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Quantity,
} from "fhir/r4";
import { CATEGORIES, type CategoryInfo } from "@/lib/consentCodes";

/** Anything with a string `resourceType`: enough to call it FHIR (the validator decides whether it is valid). */
export function isFhirResource(json: unknown): json is FhirResource {
  return (
    typeof json === "object" && json !== null && typeof (json as { resourceType?: unknown }).resourceType === "string"
  );
}

/** The resource itself, or a Bundle's entries (nested Bundles flattened), in order. */
export function resourcesOf(json: unknown): FhirResource[] {
  if (!isFhirResource(json)) return [];
  if (json.resourceType !== "Bundle") return [json];
  const entries = Array.isArray((json as Bundle).entry) ? (json as Bundle).entry! : [];
  return entries.flatMap((entry) => resourcesOf(entry?.resource));
}

const category = (key: string): CategoryInfo => {
  const found = CATEGORIES.find((c) => c.key === key);
  if (!found) throw new Error(`No category "${key}" in consentCodes`);
  return found;
};

/** Resource types that always mean one category. Sensitive categories are never suggested: the patient picks them. */
const CATEGORY_OF_TYPE: Readonly<Record<string, string>> = {
  AllergyIntolerance: "allergies",
  MedicationStatement: "medications",
  MedicationRequest: "medications",
  Condition: "conditions",
  ImagingStudy: "imaging",
  Immunization: "immunizations",
  Procedure: "procedures",
  Encounter: "encounters",
  CarePlan: "care-plans",
  DocumentReference: "clinical-notes",
  Composition: "clinical-notes",
  Patient: "demographics",
  Coverage: "insurance-billing",
  Claim: "insurance-billing",
  ExplanationOfBenefit: "insurance-billing",
};

/** Observation categories (http://terminology.hl7.org/CodeSystem/observation-category) that name one of ours. */
const CATEGORY_OF_OBSERVATION: Readonly<Record<string, string>> = {
  laboratory: "lab-results",
  "vital-signs": "vital-signs",
  imaging: "imaging",
  procedure: "procedures",
};

/** DiagnosticReport service sections (HL7 v2 table 0074). */
const CATEGORY_OF_REPORT: Readonly<Record<string, string>> = { LAB: "lab-results", RAD: "imaging" };

const codesOf = (concepts: unknown): string[] =>
  (Array.isArray(concepts) ? (concepts as CodeableConcept[]) : []).flatMap((c) =>
    Array.isArray(c?.coding) ? c.coding.map((coding) => coding?.code).filter((x): x is string => !!x) : [],
  );

function categoryKeyOf(resource: FhirResource): string | undefined {
  if (resource.resourceType === "Observation") {
    return codesOf(resource.category)
      .map((code) => CATEGORY_OF_OBSERVATION[code])
      .find(Boolean);
  }
  if (resource.resourceType === "DiagnosticReport") {
    return codesOf(resource.category)
      .map((code) => CATEGORY_OF_REPORT[code])
      .find(Boolean);
  }
  return Object.hasOwn(CATEGORY_OF_TYPE, resource.resourceType) ? CATEGORY_OF_TYPE[resource.resourceType] : undefined;
}

/**
 * The category a FHIR resource or Bundle most likely belongs to: for a Bundle the most frequent one among its
 * entries (ties go to the one seen first). A Patient entry is usually only the context of the others, so
 * demographics wins only when nothing else maps. Undefined when no resource maps (or the JSON is not FHIR).
 */
export function suggestCategory(json: unknown): CategoryInfo | undefined {
  const counts = new Map<string, number>();
  for (const resource of resourcesOf(json)) {
    const key = categoryKeyOf(resource);
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (counts.size > 1) counts.delete("demographics");
  let best: [string, number] | undefined;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best ? category(best[0]) : undefined;
}

// ---- readable view ----

export interface AllergyItem {
  substance: string;
  /** low | high | unable-to-assess, when stated. */
  criticality?: string;
  /** The manifestations, joined ("Hives and swelling"). */
  reaction?: string;
  /** Clinical status: active | inactive | resolved (plus "unconfirmed" etc. from the verification status). */
  status?: string;
}

export interface MedicationItem {
  name: string;
  dosage?: string;
  status?: string;
  /** When the patient started taking it, or when it was prescribed (a FHIR date or dateTime). */
  since?: string;
}

export type LabFlag = "H" | "L" | "HH" | "LL" | "A";

export interface LabResult {
  test: string;
  /** The value as shown ("138", "< 5", "positive"). */
  value?: string;
  unit?: string;
  low?: number;
  high?: number;
  /** The reference range when it is given as text only. */
  rangeText?: string;
  /** H / L when the value is outside the range (or the lab's own interpretation flag). */
  flag?: LabFlag;
  /** When the specimen was taken or the result was observed. */
  effective?: string;
  status?: string;
}

export interface ReadableView {
  resourceType: string;
  /** For a Bundle: its type (collection, document, searchset…). */
  bundleType?: string;
  allergies: AllergyItem[];
  medications: MedicationItem[];
  labResults: LabResult[];
  /** Everything without a readable form here, by resource type with a count, in order of first appearance. */
  others: { resourceType: string; count: number }[];
}

const textOf = (concept: CodeableConcept | undefined): string | undefined =>
  concept?.text ||
  concept?.coding?.find((c) => c?.display)?.display ||
  concept?.coding?.find((c) => c?.code)?.code ||
  undefined;

const firstCode = (concept: CodeableConcept | undefined): string | undefined =>
  concept?.coding?.find((c) => c?.code)?.code;

const finite = (n: unknown): number | undefined => (typeof n === "number" && Number.isFinite(n) ? n : undefined);

function allergyOf(resource: AllergyIntolerance): AllergyItem {
  const reactions = (resource.reaction ?? []).flatMap((r) => (r?.manifestation ?? []).map(textOf));
  const clinical = firstCode(resource.clinicalStatus);
  const verification = firstCode(resource.verificationStatus);
  const status = [clinical, verification && verification !== "confirmed" ? verification : undefined]
    .filter(Boolean)
    .join(", ");
  return {
    substance: textOf(resource.code) ?? textOf(resource.reaction?.[0]?.substance) ?? "Unnamed substance",
    criticality: resource.criticality,
    reaction: reactions.filter(Boolean).join("; ") || undefined,
    status: status || undefined,
  };
}

function medicationOf(resource: MedicationStatement | MedicationRequest): MedicationItem {
  const name =
    textOf(resource.medicationCodeableConcept) ?? resource.medicationReference?.display ?? "Unnamed medication";
  if (resource.resourceType === "MedicationStatement") {
    return {
      name,
      dosage:
        (resource.dosage ?? [])
          .map((d) => d?.text)
          .filter(Boolean)
          .join("; ") || undefined,
      status: resource.status,
      since: resource.effectivePeriod?.start ?? resource.effectiveDateTime ?? resource.dateAsserted,
    };
  }
  return {
    name,
    dosage:
      (resource.dosageInstruction ?? [])
        .map((d) => d?.text)
        .filter(Boolean)
        .join("; ") || undefined,
    status: resource.status,
    since: resource.dispenseRequest?.validityPeriod?.start ?? resource.authoredOn,
  };
}

const INTERPRETATION_FLAGS: readonly LabFlag[] = ["HH", "LL", "H", "L", "A"];

/** The lab's own flag when it gave one; otherwise H or L by comparing the value with the reference range. */
function flagOf(resource: Observation, value: number | undefined, low?: number, high?: number): LabFlag | undefined {
  const stated = codesOf(resource.interpretation).find((code): code is LabFlag =>
    INTERPRETATION_FLAGS.includes(code as LabFlag),
  );
  if (stated) return stated;
  if (value === undefined) return undefined;
  if (high !== undefined && value > high) return "H";
  if (low !== undefined && value < low) return "L";
  return undefined;
}

function quantityText(quantity: Quantity): string | undefined {
  const value = finite(quantity.value);
  if (value === undefined) return undefined;
  return quantity.comparator ? `${quantity.comparator} ${value}` : String(value);
}

function labResultOf(resource: Observation): LabResult {
  const range = resource.referenceRange?.[0];
  const low = finite(range?.low?.value);
  const high = finite(range?.high?.value);
  const quantity = resource.valueQuantity;
  let value: string | undefined;
  if (quantity) value = quantityText(quantity);
  else if (typeof resource.valueString === "string") value = resource.valueString;
  else if (resource.valueCodeableConcept) value = textOf(resource.valueCodeableConcept);
  else if (finite(resource.valueInteger) !== undefined) value = String(resource.valueInteger);
  else if (typeof resource.valueBoolean === "boolean") value = resource.valueBoolean ? "yes" : "no";
  // A "< 5" is not known to be below 5 exactly: only a plain number is compared with the range.
  const numeric = quantity && !quantity.comparator ? finite(quantity.value) : finite(resource.valueInteger);
  return {
    test: textOf(resource.code) ?? "Unnamed test",
    value,
    unit: quantity?.unit ?? quantity?.code ?? range?.low?.unit ?? range?.high?.unit,
    low,
    high,
    rangeText: low === undefined && high === undefined ? range?.text : undefined,
    flag: flagOf(resource, numeric, low, high),
    effective: resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.issued,
    status: resource.status,
  };
}

/** A laboratory Observation, or one without any category (a bare test result). */
function isLabObservation(resource: Observation): boolean {
  const codes = codesOf(resource.category);
  return codes.length === 0 ? !Array.isArray(resource.component) : codes.includes("laboratory");
}

/** What a FHIR resource or Bundle says, in the shapes the portal shows; undefined when the JSON is not FHIR. */
export function readableView(json: unknown): ReadableView | undefined {
  if (!isFhirResource(json)) return undefined;
  const view: ReadableView = {
    resourceType: json.resourceType,
    bundleType: json.resourceType === "Bundle" && typeof json.type === "string" ? json.type : undefined,
    allergies: [],
    medications: [],
    labResults: [],
    others: [],
  };
  for (const resource of resourcesOf(json)) {
    if (resource.resourceType === "AllergyIntolerance") view.allergies.push(allergyOf(resource));
    else if (resource.resourceType === "MedicationStatement" || resource.resourceType === "MedicationRequest")
      view.medications.push(medicationOf(resource));
    else if (resource.resourceType === "Observation" && isLabObservation(resource))
      view.labResults.push(labResultOf(resource));
    else {
      const other = view.others.find((o) => o.resourceType === resource.resourceType);
      if (other) other.count += 1;
      else view.others.push({ resourceType: resource.resourceType, count: 1 });
    }
  }
  return view;
}

/** "125–200", "< 130", "> 40", the range's text, or undefined. */
export function describeRange(result: Pick<LabResult, "low" | "high" | "rangeText">): string | undefined {
  const { low, high } = result;
  if (low !== undefined && high !== undefined) return `${low}–${high}`;
  if (high !== undefined) return `≤ ${high}`;
  if (low !== undefined) return `≥ ${low}`;
  return result.rangeText;
}

export const FLAG_WORDS: Readonly<Record<LabFlag, string>> = {
  H: "high",
  L: "low",
  HH: "critically high",
  LL: "critically low",
  A: "abnormal",
};
