// Block timestamps that do not depend on the wall clock. The measured gas depends on the calldata's zero bytes, and
// expiries, deadlines and the signatures over them change with the time a block is mined: pinned, every run of the
// generator measures the same gas, so the committed tables can be compared with a fresh run.
import type { EIP1193Provider, RequestArguments } from "hardhat/types";

/** The first block after pinning gets this timestamp (1 Jan 2035 00:00 UTC), every later block one second more. */
export const PINNED_START = 2_051_222_400;

const MINES_A_BLOCK = new Set(["eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "hardhat_mine"]);

/** Sets each new block's timestamp to max(PINNED_START, latest + 1) before anything that mines one. */
export function pinBlockTimestamps(
  provider: EIP1193Provider & { send?: (method: string, params?: unknown[]) => Promise<unknown> },
) {
  const request = provider.request.bind(provider);
  const send = provider.send?.bind(provider);
  const pin = async (method: string) => {
    if (!MINES_A_BLOCK.has(method)) return;
    const latest = (await request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      timestamp: string;
    };
    const next = Math.max(PINNED_START, Number(BigInt(latest.timestamp)) + 1);
    await request({ method: "evm_setNextBlockTimestamp", params: [next] });
  };
  provider.request = async (args: RequestArguments) => {
    await pin(args.method);
    return request(args);
  };
  if (send !== undefined) {
    provider.send = async (method: string, params?: unknown[]) => {
      await pin(method);
      return send(method, params);
    };
  }
}
