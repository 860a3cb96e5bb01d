// A FHIR R4 record in readable form: allergy list, medication list, lab results table, and a count of the rest.
import { useId } from "react";
import type { ReadableView } from "@/lib/fhir/records";
import { AllergyList } from "./AllergyList";
import { LabResultsTable } from "./LabResultsTable";
import { MedicationList } from "./MedicationList";

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

export function FhirView({ view }: { view: ReadableView }) {
  const id = useId();
  const total =
    view.allergies.length +
    view.medications.length +
    view.labResults.length +
    view.others.reduce((sum, o) => sum + o.count, 0);
  const readable = view.allergies.length + view.medications.length + view.labResults.length > 0;
  return (
    <div className="fhir-view" data-testid="fhir-view">
      <p className="muted">
        {view.resourceType === "Bundle"
          ? `A FHIR R4 Bundle${view.bundleType ? ` (${view.bundleType})` : ""} with ${plural(total, "resource")}.`
          : `A FHIR R4 ${view.resourceType}.`}
      </p>
      {view.allergies.length > 0 ? <AllergyList allergies={view.allergies} headingId={`${id}-allergies`} /> : null}
      {view.medications.length > 0 ? (
        <MedicationList medications={view.medications} headingId={`${id}-medications`} />
      ) : null}
      {view.labResults.length > 0 ? <LabResultsTable results={view.labResults} captionId={`${id}-labs`} /> : null}
      {view.others.length > 0 ? (
        <p className="fhir-others">
          {readable ? "Also in this record" : "In this record"}:{" "}
          {view.others.map((o) => `${o.count} × ${o.resourceType}`).join(", ")}
          {readable ? "" : " (no readable form here yet: show the raw JSON to see them)"}.
        </p>
      ) : null}
    </div>
  );
}
