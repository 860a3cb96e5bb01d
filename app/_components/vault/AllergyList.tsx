// A FHIR record's allergies: what, how dangerous, what happens, and whether it still applies.
import type { AllergyItem } from "@/lib/fhir/records";

export function AllergyList({ allergies, headingId }: { allergies: AllergyItem[]; headingId: string }) {
  return (
    <section className="fhir-section" aria-labelledby={headingId}>
      <h4 id={headingId}>Allergies</h4>
      <ul className="fhir-list">
        {allergies.map((allergy, i) => (
          <li key={i}>
            <strong>{allergy.substance}</strong>
            {allergy.criticality === "high" ? <span className="fhir-badge fhir-badge-high">high risk</span> : null}
            <dl className="fhir-facts">
              {allergy.reaction ? <Fact term="Reaction" value={allergy.reaction} /> : null}
              {allergy.criticality ? <Fact term="Criticality" value={allergy.criticality} /> : null}
              {allergy.status ? <Fact term="Status" value={allergy.status} /> : null}
            </dl>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Fact({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}
