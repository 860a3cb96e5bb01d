// A viem transport for the local Hardhat chain that repairs two things Ponder would otherwise read as reorgs.
//
// 1. Blocks made by `hardhat_mine`: Hardhat's node creates them lazily ("reserved" blocks) and reports every one in the
//    middle of a range with a parentHash of zero, although its own hash is stable. Ponder checks each new block's
//    parentHash against the block before it, so a zero parent reads as a reorg and, walked back past its finalized block,
//    stops indexing ("unrecoverable reorg beyond finalized block"). Here a zero parentHash of block n is replaced by the
//    hash of block n - 1.
// 2. "latest" answers that arrive out of order: Ponder polls `eth_getBlockByNumber("latest")` every pollingInterval
//    without waiting for the previous poll, so on a busy machine an older answer can arrive after a newer one. Ponder
//    reads a head that went back as a reorg and reverts the rows of every block after it while its `_meta.status` still
//    names the newer block, until it has fetched and indexed those blocks again: for that while, a list said it was
//    current to the head and lacked the last changes. Here a "latest" answer never goes back: an overtaken one is
//    replaced by the newest block already answered, if that block is still on the chain (Hardhat has no reorgs, but
//    `evm_revert` can really take the head back, and then the lower answer stands).
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
  /** The highest block answered to a "latest" request so far. */
  let newest: RpcBlock | undefined;
  return (parameters) => {
    const transport = base(parameters);
    const send = (method: string, params: unknown[]) =>
      transport.request({ method, params } as Parameters<typeof transport.request>[0]) as Promise<unknown>;
    /** Block n with the hash of block n - 1 as its parent, where Hardhat reports a zero. */
    const repaired = async (block: RpcBlock): Promise<RpcBlock> => {
      if (block.parentHash !== ZERO_HASH || BigInt(block.number) === 0n) return block;
      const parent = await send("eth_getBlockByNumber", [`0x${(BigInt(block.number) - 1n).toString(16)}`, false]);
      return isRpcBlock(parent) ? { ...block, parentHash: parent.hash } : block;
    };
    const request = (async (args: { method: string; params?: unknown }) => {
      let result: unknown = await transport.request(args as Parameters<typeof transport.request>[0]);
      if ((args.method === "eth_getBlockByNumber" || args.method === "eth_getBlockByHash") && isRpcBlock(result)) {
        result = await repaired(result);
      }
      const params = Array.isArray(args.params) ? (args.params as unknown[]) : [];
      if (args.method === "eth_getBlockByNumber" && params[0] === "latest" && isRpcBlock(result)) {
        let answer: RpcBlock = result;
        // Overtaken by a newer answer: give that block again (asked anew, in the same form), unless it left the chain.
        // Nothing is awaited between this check and the return, so answers leave here in order.
        while (newest !== undefined && BigInt(answer.number) < BigInt(newest.number)) {
          const overtaking = newest;
          const again = await send("eth_getBlockByNumber", [overtaking.number, params[1] ?? false]);
          if (!isRpcBlock(again) || again.hash !== overtaking.hash) break;
          answer = await repaired(again);
        }
        newest = answer;
        result = answer;
      }
      return result;
    }) as EIP1193RequestFn;
    return { ...transport, request };
  };
}
