// `npm run docs:generate`: regenerates the generated sections of docs/ (the code tables from the shared library, the
// gas tables from a fresh measurement on the in-process Hardhat network). With DOCS_CHECK=1 it writes nothing and
// fails, naming the files, when a committed file differs from what it would write (test/unit/docs.test.ts).
import hre from "hardhat";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { measureAnchors, measureOperations } from "@/harness/contracts/gas";
import { measureVaultOperations } from "@/harness/contracts/vaultGas";
import { besideSignedGrant, measurePasskeyOperations } from "@/harness/contracts/passkeyGas";
import { codeDocs } from "./codeTables";
import { gasDocs } from "./gasTables";
import { pinBlockTimestamps } from "./pinnedClock";
import { regenerate } from "./sections";

const ROOT = path.join(__dirname, "..", "..");

async function measureGas() {
  if (hre.network.name !== "hardhat") {
    throw new Error(`docs:generate measures gas on the in-process hardhat network, not ${hre.network.name}`);
  }
  pinBlockTimestamps(hre.network.provider);
  const operations = [
    ...besideSignedGrant(await measureOperations(), await measurePasskeyOperations()),
    ...(await measureVaultOperations()),
  ];
  const anchors = await measureAnchors();
  const compiler = hre.config.solidity.compilers[0];
  return {
    operations,
    anchors,
    hardfork: hre.config.networks.hardhat.hardfork,
    solc: compiler.version,
    optimizerRuns: compiler.settings.optimizer.runs as number,
  };
}

async function main() {
  const check = process.env.DOCS_CHECK === "1";
  const files = { ...codeDocs(), ...gasDocs(await measureGas()) };
  const stale: string[] = [];
  for (const [file, sections] of Object.entries(files)) {
    const absolute = path.join(ROOT, file);
    const { current, wanted } = await regenerate(absolute, sections);
    if (current === wanted) continue;
    stale.push(file);
    if (!check) writeFileSync(absolute, wanted);
  }
  if (check && stale.length > 0) {
    console.error(`Out of date: ${stale.join(", ")}. Run npm run docs:generate and commit the result.`);
    process.exitCode = 1;
  } else {
    console.log(stale.length === 0 ? "The generated docs are up to date." : `Regenerated ${stale.join(", ")}.`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
