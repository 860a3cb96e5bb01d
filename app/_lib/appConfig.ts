// The portal's configuration: one typed object, validated when the app starts. Public values only (NEXT_PUBLIC_*).
import { defineChain, type Chain } from "viem";
import { baseSepolia, hardhat, sepolia } from "viem/chains";
import { deploymentOf, type MedConsentAddresses } from "@/lib/consentClient";

export const LOCAL_CHAIN_ID = 31337;

export interface AppConfig {
  chain: Chain;
  rpcUrl: string;
  addresses: MedConsentAddresses;
  fromBlock: bigint;
  /** Demo accounts exist only on the local chain. */
  isLocalChain: boolean;
  walletConnectProjectId?: string;
  /**
   * The MedConsent indexer (indexer/, e.g. http://127.0.0.1:42069): lists and histories come from it in a few requests
   * whatever the chain's age. Without it the portal scans the chain's logs from the deployment block.
   */
  indexerUrl?: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(`MedConsent portal configuration: ${message}`);
    this.name = "ConfigError";
  }
}

const KNOWN_CHAINS: Record<number, Chain> = {
  [hardhat.id]: hardhat,
  [sepolia.id]: sepolia,
  [baseSepolia.id]: baseSepolia,
};

function readConfig(): AppConfig {
  // Each NEXT_PUBLIC_* variable is named in full so Next.js can inline it into the browser bundle.
  const chainIdText = process.env.NEXT_PUBLIC_CHAIN_ID ?? String(LOCAL_CHAIN_ID);
  const chainId = Number(chainIdText);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new ConfigError(`NEXT_PUBLIC_CHAIN_ID must be a chain id such as 31337 or 11155111, not "${chainIdText}".`);
  }
  const isLocalChain = chainId === LOCAL_CHAIN_ID;
  const rpcUrl = process.env.NEXT_PUBLIC_RPC_URL ?? (isLocalChain ? "http://127.0.0.1:8545" : undefined);
  if (rpcUrl === undefined) throw new ConfigError(`set NEXT_PUBLIC_RPC_URL to a JSON-RPC URL of chain ${chainId}.`);
  const deployment = deploymentOf(chainId);
  if (deployment === undefined) {
    throw new ConfigError(
      `no MedConsent deployment for chain ${chainId} in lib/contracts/deployedContracts.ts. ` +
        `Deploy first: npm run deploy -- --network ${isLocalChain ? "localhost" : "<network>"}`,
    );
  }
  const known = KNOWN_CHAINS[chainId];
  const chain = defineChain({
    ...(known ?? {
      id: chainId,
      name: `Chain ${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    }),
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const indexerUrl = process.env.NEXT_PUBLIC_INDEXER_URL || undefined;
  if (indexerUrl !== undefined && !isHttpUrl(indexerUrl)) {
    throw new ConfigError(
      `NEXT_PUBLIC_INDEXER_URL must be the indexer's http(s) URL, such as http://127.0.0.1:42069, not "${indexerUrl}". ` +
        "Leave it unset to read the chain's logs directly.",
    );
  }
  return {
    chain,
    rpcUrl,
    addresses: deployment.addresses,
    fromBlock: deployment.fromBlock,
    isLocalChain,
    walletConnectProjectId: process.env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID || undefined,
    indexerUrl,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export const appConfig: AppConfig = readConfig();
