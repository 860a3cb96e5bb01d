// One category from a <select> (a record's kind, the timeline's filter). Apart from CategoryPicker.tsx so that pages
// needing only these options do not load the grant form's logic with them.
import { CATEGORIES } from "@/lib/consentCodes";

/** The categories as `<option>`s for a `<select>`, the sensitive ones in their own group; the values are bits. */
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
