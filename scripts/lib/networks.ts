// The networks MedConsent deploys to, and the secrets each needs. Used by hardhat.config.ts and the deploy task.
import type { NetworksUserConfig } from "hardhat/types";
import { readSecret } from "./secrets";

export const DEPLOYER_KEY = "DEPLOYER_PRIVATE_KEY";

interface PublicNetwork {
  chainId?: number;
  rpcUrlVar: string;
  chainIdVar?: string;
}

/** Public networks: their RPC URL (and for `custom`, chain id) come from the environment. */
export const PUBLIC_NETWORKS: Record<string, PublicNetwork> = {
  sepolia: { chainId: 11155111, rpcUrlVar: "SEPOLIA_RPC_URL" },
  baseSepolia: { chainId: 84532, rpcUrlVar: "BASE_SEPOLIA_RPC_URL" },
  custom: { rpcUrlVar: "CUSTOM_RPC_URL", chainIdVar: "CUSTOM_CHAIN_ID" },
};

/** The variables a network needs before a deployment may send anything. */
export function requiredSecrets(networkName: string): string[] {
  const network = PUBLIC_NETWORKS[networkName];
  if (network === undefined) return [];
  return [network.rpcUrlVar, ...(network.chainIdVar ? [network.chainIdVar] : []), DEPLOYER_KEY];
}

// Hardhat needs a URL for every configured network at start-up; a placeholder keeps other commands working, and the
// deploy task refuses to run on a network whose variables are missing.
const unset = (name: string) => `http://unset.invalid/${name}`;

export function publicNetworksConfig(): NetworksUserConfig {
  const deployerKey = readSecret(DEPLOYER_KEY);
  const accounts = deployerKey ? [deployerKey] : [];
  const networks: NetworksUserConfig = {};
  for (const [name, network] of Object.entries(PUBLIC_NETWORKS)) {
    const chainIdValue = network.chainIdVar ? readSecret(network.chainIdVar) : undefined;
    networks[name] = {
      url: readSecret(network.rpcUrlVar) ?? unset(network.rpcUrlVar),
      chainId: network.chainId ?? (chainIdValue ? Number(chainIdValue) : undefined),
      accounts,
    };
  }
  return networks;
}
