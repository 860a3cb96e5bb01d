// `npm run deploy -- --network <name> [--verify] [--admin 0x…]`: one command for the local node and public chains.
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { BINDINGS_FILE, ABI_NAMES, readDeployment, writeBindings, type ContractAbis } from "@/scripts/lib/bindings";
import { requiredSecrets } from "@/scripts/lib/networks";
import { requireSecrets } from "@/scripts/lib/secrets";

const MODULE_PATH = path.join("ignition", "modules", "MedConsent.ts");
const LOCAL_CHAIN_ID = 31337;

task("deploy", "Deploys MedConsent with Ignition's CREATE2 strategy and regenerates the typed bindings")
  .addFlag("verify", "Verify the contracts on Etherscan (API v2, ETHERSCAN_API_KEY) and Sourcify")
  .addOptionalParam("admin", "Account holding the admin and registrar roles (default: the deployer)")
  .setAction(async ({ verify, admin }: { verify: boolean; admin?: string }, hre) => {
    // Stop before anything is sent when a variable is missing.
    requireSecrets(requiredSecrets(hre.network.name), `needed to deploy to ${hre.network.name}`);
    if (verify) requireSecrets(["ETHERSCAN_API_KEY"], "needed by --verify");

    const chainId = Number(await hre.network.provider.request({ method: "eth_chainId" }));
    const deploymentDir = path.join(hre.config.paths.ignition, "deployments", `chain-${chainId}`);
    if (chainId === LOCAL_CHAIN_ID) await forgetStaleLocalDeployment(hre, deploymentDir);

    await hre.run(
      { scope: "ignition", task: "deploy" },
      {
        modulePath: MODULE_PATH,
        strategy: "create2",
        verify,
        parameters: admin === undefined ? undefined : JSON.stringify({ MedConsent: { admin } }),
      },
    );
    if (process.exitCode) return;

    if (hre.network.name === "hardhat") {
      console.log("\nDeployed to the in-process Hardhat network, which ends with this command: nothing was saved.");
      console.log("For a chain that stays up, run `npm run chain` and deploy with `--network localhost`.");
      return;
    }
    const abis = Object.fromEntries(
      await Promise.all(ABI_NAMES.map(async (name) => [name, (await hre.artifacts.readArtifact(name)).abi])),
    ) as ContractAbis;
    const chains = writeBindings(hre.config.paths.root, path.join(hre.config.paths.ignition, "deployments"), abis);
    console.log(`\nBindings for chains ${chains.join(", ")} written to ${BINDINGS_FILE}`);
  });

/**
 * A local node forgets everything when it restarts, but Ignition's journal on disk does not: if the recorded contracts
 * have no code on this node, the journal is stale and is removed so the deployment starts afresh.
 */
async function forgetStaleLocalDeployment(hre: HardhatRuntimeEnvironment, deploymentDir: string): Promise<void> {
  const addressesFile = path.join(deploymentDir, "deployed_addresses.json");
  if (!existsSync(addressesFile)) return;
  const deployment = readDeployment(deploymentDir);
  const addresses: string[] = deployment
    ? Object.values(deployment).map((c) => c.address)
    : Object.values(JSON.parse(readFileSync(addressesFile, "utf8")));
  for (const address of addresses) {
    const code = await hre.network.provider.request({ method: "eth_getCode", params: [address, "latest"] });
    if (code === "0x") {
      rmSync(deploymentDir, { recursive: true, force: true });
      return;
    }
  }
}
