// The wire format of POST /api/accounts/{account}/execute, shared by the portal that sends a passkey-signed batch, the
// gateway that relays it, and the tests: the calls with every number as a decimal string, the nonce, the deadline and
// the passkey's signature over the account's Execute digest (lib/passkey/webauthnSignature.ts).
import type { Address, Hex } from "viem";
import type { AccountCall } from "./webauthnSignature";

export interface ExecuteRelayBody {
  calls: { target: Address; value?: string; data: Hex }[];
  nonce: string;
  deadline: string;
  signature: Hex;
}

export function executeRelayBody(params: {
  calls: readonly AccountCall[];
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
}): ExecuteRelayBody {
  return {
    calls: params.calls.map((c) => ({ target: c.target, value: c.value.toString(), data: c.data })),
    nonce: params.nonce.toString(),
    deadline: params.deadline.toString(),
    signature: params.signature,
  };
}
