// A viem transport for the local Hardhat chain that repairs what Hardhat reports for blocks made by `hardhat_mine`.
// Hardhat's node creates those blocks lazily ("reserved" blocks) and reports every one but the first with a parentHash
// of zero, although its own hash is stable. Ponder checks each new block's parentHash against the block before it, so
// a zero parent reads as a reorg and, walked back past its finalized block, stops indexing ("unrecoverable reorg
// beyond finalized block"). Here a zero parentHash of block n is replaced by the hash of block n - 1.
import { http, type EIP1193RequestFn, type Transport } from "viem";

/**
 * The largest JSON-RPC answer the indexer accepts. One eth_getLogs answer over a long range of busy blocks can exceed
 * viem's 10 MiB default (measured: 12,500 grants in 85,000 blocks), and Ponder would retry that range forever.
 */
export const RPC_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

const ZERO_HASH = `0x${"0".repeat(64)}`;

interface RpcBlock {
  number: `0x${string}`;
  hash: `0x${string}`;
  parentHash: `0x${string}`;
}

const isRpcBlock = (value: unknown): value is RpcBlock =>
  typeof value === "object" && value !== null && "parentHash" in value && "number" in value;

export function localChainTransport(url: string): Transport {
  const base = http(url, { maxResponseBodySize: RPC_MAX_RESPONSE_BYTES });
  return (parameters) => {
    const transport = base(parameters);
    const request = (async (args: { method: string; params?: unknown }) => {
      const result = await transport.request(args as Parameters<typeof transport.request>[0]);
      if (
        (args.method === "eth_getBlockByNumber" || args.method === "eth_getBlockByHash") &&
        isRpcBlock(result) &&
        result.parentHash === ZERO_HASH &&
        BigInt(result.number) > 0n
      ) {
        const parent = await transport.request({
          method: "eth_getBlockByNumber",
          params: [`0x${(BigInt(result.number) - 1n).toString(16)}`, false],
        } as Parameters<typeof transport.request>[0]);
        if (isRpcBlock(parent)) return { ...result, parentHash: parent.hash };
      }
      return result;
    }) as EIP1193RequestFn;
    return { ...transport, request };
  };
}
