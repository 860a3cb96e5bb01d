// A FHIR record's lab results as a real table: value, unit, reference range and a flag when outside it. The wrapper
// scrolls sideways on a narrow screen (and is focusable so keyboard users can scroll it too).
import { describeRange, FLAG_WORDS, type LabResult } from "@/lib/fhir/records";

/** The one date all results share ("2026-11-02"), to say once in the caption; undefined when they differ. */
function commonDay(results: LabResult[]): string | undefined {
  const days = new Set(results.map((r) => r.effective?.slice(0, 10)));
  const [day] = days;
  return days.size === 1 ? day : undefined;
}

export function LabResultsTable({ results, captionId }: { results: LabResult[]; captionId: string }) {
  const day = commonDay(results);
  const outside = results.filter((r) => r.flag).length;
  return (
    <div className="table-scroll" role="region" aria-labelledby={captionId} tabIndex={0}>
      <table className="lab-results" data-testid="lab-results">
        <caption id={captionId}>
          Lab results{day ? `, ${day}` : ""}
          {outside > 0 ? <span className="muted"> ({outside} outside the reference range)</span> : null}
        </caption>
        <thead>
          <tr>
            <th scope="col">Test</th>
            <th scope="col" className="numeric">
              Result
            </th>
            <th scope="col">Unit</th>
            <th scope="col">Reference range</th>
            <th scope="col">Flag</th>
            {day ? null : <th scope="col">Date</th>}
          </tr>
        </thead>
        <tbody>
          {results.map((result, i) => (
            <tr key={i} className={result.flag ? "lab-outside" : undefined}>
              <th scope="row">{result.test}</th>
              <td className="numeric">{result.value ?? "—"}</td>
              <td>{result.unit ?? ""}</td>
              <td>{describeRange(result) ?? ""}</td>
              <td>
                {result.flag ? (
                  <span className="lab-flag" data-flag={result.flag}>
                    <abbr title={FLAG_WORDS[result.flag]}>{result.flag}</abbr>
                    <span className="visually-hidden"> ({FLAG_WORDS[result.flag]})</span>
                  </span>
                ) : null}
              </td>
              {day ? null : <td>{result.effective?.slice(0, 10) ?? ""}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
