import { CATEGORIES } from "@/lib/consentCodes";

/** The categories as `<option>`s for a `<select>`, with the sensitive ones in their own group. Values are bit indexes. */
export function CategoryOptions() {
  return (
    <>
      <optgroup label="Routine">
        {CATEGORIES.filter((c) => !c.sensitive).map((c) => (
          <option key={c.bit} value={c.bit}>
            {c.label}
          </option>
        ))}
      </optgroup>
      <optgroup label="Sensitive">
        {CATEGORIES.filter((c) => c.sensitive).map((c) => (
          <option key={c.bit} value={c.bit}>
            {c.label}
          </option>
        ))}
      </optgroup>
    </>
  );
}
