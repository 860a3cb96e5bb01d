// FHIR records in the portal: the category suggested for an upload, the readable view, and validation against HL7's
// R4 JSON schema (the demo scene's Bundles are valid; broken ones fail in plain words).
import { expect } from "chai";
import { describeRange, readableView, suggestCategory } from "@/lib/fhir/records";
import { MAX_PROBLEMS, validateFhir } from "@/lib/fhir/validate";
import { ALICE_ALLERGIES, ALICE_LIPID_PANEL, ALICE_MEDICATIONS } from "@/harness/demoRecords";

const bundleOf = (...resources: object[]) => ({
  resourceType: "Bundle",
  type: "collection",
  entry: resources.map((resource) => ({ resource })),
});
const observation = (category?: string) => ({
  resourceType: "Observation",
  status: "final",
  code: { text: "Test" },
  ...(category
    ? {
        category: [
          { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: category }] },
        ],
      }
    : {}),
});
/** A deep copy to break without touching the shared demo data. */
const copyOf = <T>(json: T): T => JSON.parse(JSON.stringify(json)) as T;

describe("fhir/records", function () {
  describe("suggestCategory", function () {
    const cases: [object, string][] = [
      [{ resourceType: "AllergyIntolerance" }, "allergies"],
      [{ resourceType: "MedicationStatement" }, "medications"],
      [{ resourceType: "MedicationRequest" }, "medications"],
      [{ resourceType: "Condition" }, "conditions"],
      [observation("laboratory"), "lab-results"],
      [observation("vital-signs"), "vital-signs"],
      [{ resourceType: "ImagingStudy" }, "imaging"],
      [{ resourceType: "Immunization" }, "immunizations"],
      [{ resourceType: "Procedure" }, "procedures"],
      [{ resourceType: "Encounter" }, "encounters"],
      [{ resourceType: "CarePlan" }, "care-plans"],
      [{ resourceType: "DocumentReference" }, "clinical-notes"],
      [{ resourceType: "Composition" }, "clinical-notes"],
      [{ resourceType: "Patient" }, "demographics"],
      [{ resourceType: "Coverage" }, "insurance-billing"],
      [{ resourceType: "Claim" }, "insurance-billing"],
      [{ resourceType: "ExplanationOfBenefit" }, "insurance-billing"],
    ];
    for (const [resource, key] of cases) {
      const type = (resource as { resourceType: string }).resourceType;
      it(`${type}${key === "vital-signs" || key === "lab-results" ? ` (${key})` : ""} → ${key}`, function () {
        expect(suggestCategory(resource)?.key).to.equal(key);
        expect(suggestCategory(bundleOf(resource))?.key).to.equal(key);
      });
    }

    it("suggests the demo scene's categories for its Bundles", function () {
      for (const file of [ALICE_ALLERGIES, ALICE_MEDICATIONS, ALICE_LIPID_PANEL]) {
        expect(suggestCategory(file.json)?.bit).to.equal(file.category);
      }
      expect(suggestCategory(ALICE_LIPID_PANEL.json)?.label).to.equal("lab results");
    });

    it("takes a Bundle's most frequent category, ties to the first seen, and a Patient only when alone", function () {
      const lab = observation("laboratory");
      const allergy = { resourceType: "AllergyIntolerance" };
      const patient = { resourceType: "Patient" };
      expect(suggestCategory(bundleOf(allergy, lab, lab))?.key).to.equal("lab-results");
      expect(suggestCategory(bundleOf(lab, allergy))?.key).to.equal("lab-results");
      expect(suggestCategory(bundleOf(allergy, lab))?.key).to.equal("allergies");
      expect(suggestCategory(bundleOf(patient, patient, allergy))?.key).to.equal("allergies");
      expect(suggestCategory(bundleOf(patient))?.key).to.equal("demographics");
      expect(suggestCategory(bundleOf(bundleOf(lab), allergy, lab))?.key).to.equal("lab-results");
    });

    it("suggests nothing for what it cannot map, and for JSON that is not FHIR", function () {
      expect(suggestCategory(observation())).to.equal(undefined);
      expect(suggestCategory(observation("social-history"))).to.equal(undefined);
      expect(suggestCategory({ resourceType: "Organization" })).to.equal(undefined);
      expect(suggestCategory(bundleOf())).to.equal(undefined);
      expect(suggestCategory({ name: "not FHIR" })).to.equal(undefined);
      expect(suggestCategory([1, 2])).to.equal(undefined);
      expect(suggestCategory(null)).to.equal(undefined);
      expect(suggestCategory({ resourceType: "Bundle", entry: "nonsense" })).to.equal(undefined);
    });
  });

  describe("readableView", function () {
    it("lists allergies with substance, criticality, reaction and status", function () {
      const view = readableView(ALICE_ALLERGIES.json)!;
      expect(view.resourceType).to.equal("Bundle");
      expect(view.bundleType).to.equal("collection");
      expect(view.allergies).to.deep.equal([
        { substance: "Allergy to penicillin", criticality: "high", reaction: "Hives and swelling", status: "active" },
        { substance: "Latex allergy", criticality: "low", reaction: "Contact dermatitis", status: "active" },
      ]);
      expect(view.medications).to.deep.equal([]);
      expect(view.others).to.deep.equal([]);
    });

    it("lists medications with name, dosage, status and since", function () {
      const view = readableView(ALICE_MEDICATIONS.json)!;
      expect(view.medications).to.deep.equal([
        {
          name: "Atorvastatin 20 mg oral tablet",
          dosage: "One tablet by mouth every evening",
          status: "active",
          since: "2025-03-01",
        },
        {
          name: "Lisinopril 10 mg oral tablet",
          dosage: "One tablet by mouth every morning",
          status: "active",
          since: "2025-03-01",
        },
      ]);
      const request = readableView({
        resourceType: "MedicationRequest",
        status: "active",
        intent: "order",
        medicationReference: { display: "Metformin 500 mg" },
        authoredOn: "2026-01-05",
        dosageInstruction: [{ text: "Twice a day" }],
      })!;
      expect(request.medications).to.deep.equal([
        { name: "Metformin 500 mg", dosage: "Twice a day", status: "active", since: "2026-01-05" },
      ]);
    });

    it("tables lab results with value, unit, range and H/L flags outside the range", function () {
      const view = readableView(ALICE_LIPID_PANEL.json)!;
      expect(view.labResults.map((r) => [r.test, r.value, r.unit, describeRange(r), r.flag])).to.deep.equal([
        ["Cholesterol [Mass/volume] in Serum or Plasma", "212", "mg/dL", "125–200", "H"],
        ["LDL cholesterol (calculated)", "138", "mg/dL", "0–130", "H"],
        ["HDL cholesterol", "52", "mg/dL", "40–90", undefined],
        ["Triglyceride [Mass/volume] in Serum or Plasma", "110", "mg/dL", "0–150", undefined],
      ]);
      expect(view.labResults[1].effective).to.equal("2026-11-02T08:10:00Z");
      const low = copyOf(ALICE_LIPID_PANEL.json) as { entry: { resource: { valueQuantity: { value: number } } }[] };
      low.entry[2].resource.valueQuantity.value = 35;
      expect(readableView(low)!.labResults[2].flag).to.equal("L");
    });

    it("prefers the lab's own interpretation, does not compare '<' values, and shows text ranges", function () {
      const [stated, comparator, text] = readableView(
        bundleOf(
          {
            ...observation("laboratory"),
            valueQuantity: { value: 7, unit: "mmol/L" },
            referenceRange: [{ high: { value: 5 } }],
            interpretation: [{ coding: [{ code: "HH" }] }],
          },
          {
            ...observation(),
            valueQuantity: { value: 5, comparator: "<", unit: "U/L" },
            referenceRange: [{ low: { value: 10 } }],
          },
          { ...observation("laboratory"), valueString: "negative", referenceRange: [{ text: "negative" }] },
        ),
      )!.labResults;
      expect(stated).to.include({ value: "7", unit: "mmol/L", flag: "HH" });
      expect(describeRange(stated)).to.equal("≤ 5");
      expect(comparator).to.include({ value: "< 5", unit: "U/L", flag: undefined });
      expect(describeRange(comparator)).to.equal("≥ 10");
      expect(text).to.include({ value: "negative", rangeText: "negative", flag: undefined });
    });

    it("counts everything else by resource type", function () {
      const view = readableView(
        bundleOf(
          { resourceType: "Patient" },
          observation("vital-signs"),
          { resourceType: "Patient" },
          { resourceType: "Condition" },
        ),
      )!;
      expect(view.others).to.deep.equal([
        { resourceType: "Patient", count: 2 },
        { resourceType: "Observation", count: 1 },
        { resourceType: "Condition", count: 1 },
      ]);
      expect(view.labResults).to.deep.equal([]);
    });

    it("is undefined for JSON that is not FHIR", function () {
      expect(readableView({ hello: "world" })).to.equal(undefined);
      expect(readableView("text")).to.equal(undefined);
    });
  });

  describe("validateFhir (HL7 R4 JSON schema)", function () {
    this.timeout(30_000);

    it("accepts the demo scene's Bundles and a bare Observation", async function () {
      for (const file of [ALICE_ALLERGIES, ALICE_MEDICATIONS, ALICE_LIPID_PANEL]) {
        expect(await validateFhir(file.json), file.name).to.deep.equal({ valid: true, errors: [] });
      }
      expect(
        await validateFhir({ ...observation("laboratory"), valueQuantity: { value: 96, unit: "mg/dL" } }),
      ).to.deep.equal({
        valid: true,
        errors: [],
      });
    });

    it("names a bad code, a missing field, an unknown field, a wrong type and a bad date, entry by entry", async function () {
      const broken = copyOf(ALICE_LIPID_PANEL.json) as {
        entry: { resource: Record<string, unknown> & { valueQuantity: Record<string, unknown> } }[];
      };
      broken.entry[0].resource.status = "done";
      delete broken.entry[1].resource.code;
      broken.entry[2].resource.flavour = "sweet";
      broken.entry[3].resource.valueQuantity.value = "110";
      broken.entry[3].resource.effectiveDateTime = "yesterday";
      const result = await validateFhir(broken);
      expect(result.valid).to.equal(false);
      expect(result.errors).to.have.members([
        'Entry 1 (Observation): status is "done", which is not one of registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown.',
        "Entry 2 (Observation): code is missing, and FHIR R4 requires it.",
        "Entry 3 (Observation): flavour is not a field FHIR R4 defines here.",
        'Entry 4 (Observation): valueQuantity.value must be a number, not "110".',
        'Entry 4 (Observation): effectiveDateTime is "yesterday", not a date as FHIR writes it (such as 2026-11-02 or 2026-11-02T08:10:00Z).',
      ]);
    });

    it("rejects resource types that are not FHIR R4 (also Medplum's own) and JSON without one", async function () {
      expect(await validateFhir({ resourceType: "Prescription" })).to.deep.equal({
        valid: false,
        errors: ['Prescription: "Prescription" is not a FHIR R4 resource type.'],
      });
      expect((await validateFhir(bundleOf({ resourceType: "Bot" }))).errors).to.deep.equal([
        'Entry 1 (Bot): "Bot" is not a FHIR R4 resource type.',
      ]);
      expect(await validateFhir({ name: "not FHIR" })).to.deep.equal({
        valid: false,
        errors: ["This is not a FHIR resource: it has no resourceType."],
      });
    });

    it("reports at most the first few problems", async function () {
      const many = bundleOf(...Array.from({ length: 12 }, () => ({ resourceType: "Observation", status: "nope" })));
      const result = await validateFhir(many);
      expect(result.valid).to.equal(false);
      expect(result.errors).to.have.length(MAX_PROBLEMS);
    });
  });
});
