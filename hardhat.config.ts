// Resolves the "@/" path alias (tsconfig.json) for the tasks, scripts and tests that Hardhat loads through ts-node, and
// lets them load server modules (`import "server-only"`) outside Next.
import "tsconfig-paths/register";
import "./harness/serverOnly";
import "@nomicfoundation/hardhat-toolbox";
import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import { publicNetworksConfig } from "./scripts/lib/networks";
import { readSecret } from "./scripts/lib/secrets";
import "./scripts/tasks/deploy";
import "./scripts/tasks/cli";

// The compiler comes from the pinned npm `solc` package (WebAssembly), never from a download:
// builds are reproducible from the lockfile and work offline.
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

// Suites are the files named *.test.ts (helpers sit beside them). The browser suite (test/e2e/) and the gateway
// suites (test/gateway/) build and serve the portal: they run on their own (`npm run test:e2e`,
// `npm run test:gateway`), not within a plain `hardhat test`.
const SEPARATE_SUITES = ["e2e", "gateway"].map((folder) => `${path.sep}test${path.sep}${folder}${path.sep}`);
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, _hre, runSuper) => {
  const files: string[] = await runSuper(args);
  if (args.testFiles.length > 0) return files;
  return files.filter((file) => file.endsWith(".test.ts") && !SEPARATE_SUITES.some((folder) => file.includes(folder)));
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 10_000 },
    },
  },
  networks: {
    // Osaka (Hardhat 2.29's default, pinned so an upgrade cannot silently drop it) has the P256VERIFY precompile
    // (EIP-7951, 0x100) that passkey accounts verify with; without it OpenZeppelin's P256 falls back to Solidity at
    // about 225,000 gas more per signature (docs/gas.md). The compiler's evmVersion does not matter for a precompile.
    hardhat: { hardfork: "osaka" },
    localhost: { url: "http://127.0.0.1:8545" },
    ...publicNetworksConfig(),
  },
  // One Etherscan API v2 key covers every chain Etherscan serves; Sourcify needs none.
  etherscan: { apiKey: readSecret("ETHERSCAN_API_KEY") ?? "" },
  sourcify: { enabled: true },
  ignition: {
    // CREATE2 through the CreateX factory: the same addresses on every chain. Bytes 0-19 zero and byte 20 zero mean
    // "no sender or chain protection" to CreateX; the rest spells MedConsent1.
    strategyConfig: { create2: { salt: "0x0000000000000000000000000000000000000000004d6564436f6e73656e7431" } },
  },
  mocha: { timeout: 60_000 },
  gasReporter: { enabled: process.env.REPORT_GAS === "true" },
};

export default config;
