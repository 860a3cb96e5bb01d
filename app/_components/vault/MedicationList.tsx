// A FHIR record's medications: name, how to take it, whether it is current and since when.
import type { MedicationItem } from "@/lib/fhir/records";
import { Fact } from "./AllergyList";

/** FHIR dates and dateTimes as written ("2025-03-01"); a time of day adds nothing to "since". */
const dayOf = (date: string) => date.slice(0, 10);

export function MedicationList({ medications, headingId }: { medications: MedicationItem[]; headingId: string }) {
  return (
    <section className="fhir-section" aria-labelledby={headingId}>
      <h4 id={headingId}>Medications</h4>
      <ul className="fhir-list">
        {medications.map((medication, i) => (
          <li key={i}>
            <strong>{medication.name}</strong>
            <dl className="fhir-facts">
              {medication.dosage ? <Fact term="Dosage" value={medication.dosage} /> : null}
              {medication.status ? <Fact term="Status" value={medication.status} /> : null}
              {medication.since ? <Fact term="Since" value={dayOf(medication.since)} /> : null}
            </dl>
          </li>
        ))}
      </ul>
    </section>
  );
}
