// Lets Node code outside Next (the mocha suites, ts-node scripts) load the gateway's modules: there, "server-only"
// resolves to the package's own empty module, as it does in React's server environment. Next's build is untouched
// and still refuses a server module imported from a client component.
import Module from "node:module";
import path from "node:path";

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options: unknown) => string;

// The package exports only its entry (index.js throws outside a server environment); empty.js sits beside it.
const EMPTY_MODULE = path.join(path.dirname(require.resolve("server-only")), "empty.js");

const loader = Module as unknown as { _resolveFilename: ResolveFilename };
const resolveFilename = loader._resolveFilename;
loader._resolveFilename = function (request, parent, isMain, options) {
  if (request === "server-only") return EMPTY_MODULE;
  return resolveFilename.call(this, request, parent, isMain, options);
};
