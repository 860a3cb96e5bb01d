// The demo scene's record files: small FHIR R4 Bundles about a fictional patient. They exist only encrypted, off
// chain; the chain holds their ciphertext hashes and CIDs.
const fhirBundle = (id: string, resources: object[]) => ({
  resourceType: "Bundle",
  id,
  type: "collection",
  timestamp: "2026-11-02T09:30:00Z",
  entry: resources.map((resource, index) => ({ fullUrl: `urn:uuid:${id}-${index + 1}`, resource })),
});

const patientRef = { reference: "urn:uuid:demo-patient-alice", display: "Alice (demo patient)" };

const allergy = (id: string, code: string, text: string, criticality: "low" | "high", reaction: string) => ({
  resourceType: "AllergyIntolerance",
  id,
  clinicalStatus: {
    coding: [{ system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", code: "active" }],
  },
  verificationStatus: {
    coding: [{ system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", code: "confirmed" }],
  },
  category: ["medication"],
  criticality,
  code: { coding: [{ system: "http://snomed.info/sct", code, display: text }], text },
  patient: patientRef,
  reaction: [{ manifestation: [{ text: reaction }] }],
});

const medication = (id: string, code: string, text: string, dosage: string) => ({
  resourceType: "MedicationStatement",
  id,
  status: "active",
  medicationCodeableConcept: {
    coding: [{ system: "http://www.nlm.nih.gov/research/umls/rxnorm", code, display: text }],
    text,
  },
  subject: patientRef,
  effectivePeriod: { start: "2025-03-01" },
  dosage: [{ text: dosage }],
});

const labResult = (
  id: string,
  loinc: string,
  text: string,
  value: number,
  unit: string,
  low: number,
  high: number,
) => ({
  resourceType: "Observation",
  id,
  status: "final",
  category: [
    {
      coding: [
        {
          system: "http://terminology.hl7.org/CodeSystem/observation-category",
          code: "laboratory",
          display: "Laboratory",
        },
      ],
    },
  ],
  code: { coding: [{ system: "http://loinc.org", code: loinc, display: text }], text },
  subject: patientRef,
  effectiveDateTime: "2026-11-02T08:10:00Z",
  valueQuantity: { value, unit, system: "http://unitsofmeasure.org", code: unit },
  referenceRange: [
    { low: { value: low, unit, system: "http://unitsofmeasure.org", code: unit }, high: { value: high, unit } },
  ],
});

export interface DemoRecordFile {
  name: string;
  type: string;
  /** RecordRegistry category bit. */
  category: number;
  json: object;
}

export const ALICE_ALLERGIES: DemoRecordFile = {
  name: "alice-allergies.fhir.json",
  type: "application/fhir+json",
  category: 1,
  json: fhirBundle("alice-allergies", [
    allergy("penicillin", "91936005", "Allergy to penicillin", "high", "Hives and swelling"),
    allergy("latex", "300916003", "Latex allergy", "low", "Contact dermatitis"),
  ]),
};

export const ALICE_MEDICATIONS: DemoRecordFile = {
  name: "alice-medications.fhir.json",
  type: "application/fhir+json",
  category: 2,
  json: fhirBundle("alice-medications", [
    medication("atorvastatin", "617310", "Atorvastatin 20 mg oral tablet", "One tablet by mouth every evening"),
    medication("lisinopril", "314076", "Lisinopril 10 mg oral tablet", "One tablet by mouth every morning"),
  ]),
};

export const ALICE_LIPID_PANEL: DemoRecordFile = {
  name: "alice-lipid-panel.fhir.json",
  type: "application/fhir+json",
  category: 4,
  json: fhirBundle("alice-lipid-panel", [
    labResult("cholesterol", "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", 212, "mg/dL", 125, 200),
    labResult("ldl", "13457-7", "LDL cholesterol (calculated)", 138, "mg/dL", 0, 130),
    labResult("hdl", "2085-9", "HDL cholesterol", 52, "mg/dL", 40, 90),
    labResult("triglycerides", "2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", 110, "mg/dL", 0, 150),
  ]),
};

export const fileBytesOf = (file: DemoRecordFile) => new TextEncoder().encode(JSON.stringify(file.json, null, 2));
