// docs/openapi.yaml is a promise to integrators: every route handler under app/api/ is in it with each of its methods,
// nothing in it is missing from app/api/, and every operation documents its answers and its errors.
import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";

const ROOT = path.join(__dirname, "..", "..");
const API_DIR = path.join(ROOT, "app", "api");
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;

interface Operation {
  summary?: string;
  responses?: Record<string, unknown>;
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Partial<Record<Lowercase<(typeof METHODS)[number]>, Operation>>>;
}

/** Each route.ts below app/api as its OpenAPI path (`[id]` → `{id}`) and the HTTP methods it exports. */
function routeHandlers(dir = API_DIR): { path: string; methods: string[] }[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return routeHandlers(full);
    if (name !== "route.ts") return [];
    const source = readFileSync(full, "utf8");
    const methods = METHODS.filter((method) =>
      new RegExp(`export (async )?function ${method}\\b|export const ${method}\\b`).test(source),
    );
    const route = path
      .relative(ROOT, dir)
      .split(path.sep)
      .map((segment) => segment.replace(/^\[(\w+)\]$/, "{$1}"))
      .join("/");
    return [{ path: `/${route.replace(/^app\//, "")}`, methods }];
  });
}

describe("docs/openapi.yaml", function () {
  const spec = load(readFileSync(path.join(ROOT, "docs", "openapi.yaml"), "utf8")) as OpenApi;
  // The FHIR catch-all only answers unsupported FHIR paths with a 404 OperationOutcome.
  const handlers = routeHandlers().filter((handler) => !handler.path.includes("[..."));

  it("is OpenAPI 3.1", function () {
    expect(spec.openapi).to.match(/^3\.1\.\d+$/);
  });

  it("describes every route handler under app/api with each of its methods", function () {
    expect(handlers.length).to.be.greaterThan(10);
    for (const handler of handlers) {
      expect(handler.methods, `${handler.path} exports no HTTP method`).to.not.be.empty;
      const described = spec.paths[handler.path];
      expect(described, `${handler.path} is missing from docs/openapi.yaml`).to.not.equal(undefined);
      for (const method of handler.methods) {
        expect(described, `${method} ${handler.path}`).to.have.property(method.toLowerCase());
      }
    }
  });

  it("describes nothing that app/api does not serve", function () {
    const served = new Map(handlers.map((handler) => [handler.path, handler.methods]));
    for (const [route, operations] of Object.entries(spec.paths)) {
      expect(served.has(route), `${route} has no route handler`).to.equal(true);
      for (const method of Object.keys(operations).filter((key) => METHODS.includes(key.toUpperCase() as never))) {
        expect(served.get(route), `${method.toUpperCase()} ${route}`).to.include(method.toUpperCase());
      }
    }
  });

  it("gives every operation a summary, a success answer and its errors", function () {
    for (const [route, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations) as [string, Operation][]) {
        if (!METHODS.includes(method.toUpperCase() as never)) continue;
        const codes = Object.keys(operation.responses ?? {});
        expect(operation.summary, `${method} ${route} summary`).to.be.a("string");
        expect(
          codes.some((code) => /^2\d\d$/.test(code)),
          `${method} ${route}: a 2xx answer`,
        ).to.equal(true);
        expect(
          codes.some((code) => /^4\d\d$/.test(code)),
          `${method} ${route}: its 4xx errors`,
        ).to.equal(true);
      }
    }
  });
});
