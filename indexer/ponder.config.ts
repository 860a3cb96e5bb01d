// Ponder's configuration: the five MedConsent contracts of one chain, with ABIs, addresses and start blocks from the
// generated bindings (never copied). The chain and its node come from the environment (indexer/README.md).
import { createConfig } from "ponder";
import { http } from "viem";
import deployedContracts, { abis } from "@/lib/contracts/deployedContracts";
import { localChainTransport, RPC_MAX_RESPONSE_BYTES } from "./src/localChainTransport";

const LOCAL_CHAIN_ID = 31337;
const chainId = Number(process.env.MEDCONSENT_CHAIN_ID ?? LOCAL_CHAIN_ID);
const rpcUrl = process.env.MEDCONSENT_RPC_URL ?? "http://127.0.0.1:8545";

const deployments = deployedContracts as unknown as Record<
  number,
  Record<keyof typeof abis, { address: `0x${string}`; deployedOnBlock: number }>
>;
const deployment = deployments[chainId];
if (deployment === undefined) {
  throw new Error(`No MedConsent deployment for chain ${chainId} in lib/contracts/deployedContracts.ts: deploy first.`);
}

const contract = <name extends keyof typeof abis>(name: name) => ({
  chain: "medconsent" as const,
  abi: abis[name],
  address: deployment[name].address,
  startBlock: deployment[name].deployedOnBlock,
});

export default createConfig({
  database:
    process.env.DATABASE_URL === undefined
      ? { kind: "pglite", directory: process.env.INDEXER_DATA_DIR ?? ".data/indexer" }
      : { kind: "postgres", connectionString: process.env.DATABASE_URL },
  chains: {
    medconsent: {
      id: chainId,
      rpc:
        chainId === LOCAL_CHAIN_ID
          ? localChainTransport(rpcUrl)
          : http(rpcUrl, { maxResponseBodySize: RPC_MAX_RESPONSE_BYTES }),
      // The local chain mines on demand: poll often so an event is queryable well within a second.
      pollingInterval: chainId === LOCAL_CHAIN_ID ? 100 : 1_000,
    },
  },
  contracts: {
    ProviderRegistry: contract("ProviderRegistry"),
    ConsentRegistry: contract("ConsentRegistry"),
    RecordRegistry: contract("RecordRegistry"),
    KeyDirectory: contract("KeyDirectory"),
    DisclosureLog: contract("DisclosureLog"),
  },
});
