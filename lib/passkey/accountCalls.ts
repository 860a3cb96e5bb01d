// A passkey account's relayable batch (PatientAccount.executeBySig): the calls as the portal, the gateway and the tests
// write them, and their ERC-7821 encoding `abi.encode(Call[])`, which the passkey signs and the gateway checks.
import { decodeAbiParameters, encodeAbiParameters, type Address, type Hex } from "viem";

export interface AccountCall {
  target: Address;
  value: bigint;
  data: Hex;
}

const CALLS = [
  {
    type: "tuple[]",
    components: [
      { name: "target", type: "address" },
      { name: "value", type: "uint256" },
      { name: "data", type: "bytes" },
    ],
  },
] as const;

/** The `executionData` a passkey signs for these calls (ERC-7821 batch mode). */
export function encodeAccountCalls(calls: readonly AccountCall[]): Hex {
  return encodeAbiParameters(CALLS, [calls.map((c) => ({ target: c.target, value: c.value, data: c.data }))]);
}

export function decodeAccountCalls(executionData: Hex): AccountCall[] {
  const [calls] = decodeAbiParameters(CALLS, executionData);
  return calls.map((c) => ({ target: c.target, value: c.value, data: c.data }));
}

/** The body of POST /api/accounts/{account}/execute: every number as a decimal string. */
export interface ExecuteBody {
  calls: { target: Address; value?: string; data: Hex }[];
  nonce: string;
  deadline: string;
  signature: Hex;
}

export function executeBody(params: {
  calls: readonly AccountCall[];
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
}): ExecuteBody {
  return {
    calls: params.calls.map((c) => ({ target: c.target, value: c.value.toString(), data: c.data })),
    nonce: params.nonce.toString(),
    deadline: params.deadline.toString(),
    signature: params.signature,
  };
}
