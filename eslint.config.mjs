// ESLint for the TypeScript: Next.js's core-web-vitals and TypeScript rules (eslint-config-next) over the portal,
// the shared library, the gateway, scripts, the harness and tests. Solidity is linted by solhint, formatting by prettier.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypeScript from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTypeScript,
  {
    rules: {
      // A leading underscore marks a value left out on purpose (a destructured field dropped from a copy).
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Chai's property assertions (`expect(x).to.be.true`) are expressions by design.
    files: ["test/**/*.ts", "harness/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
  globalIgnores([
    ".next/**",
    ".next-*/**",
    ".data/**",
    "artifacts/**",
    "cache/**",
    "coverage/**",
    "typechain-types/**",
    "ignition/deployments/**",
    "lib/contracts/deployedContracts.ts",
    "next-env.d.ts",
  ]),
]);
