"use client";
// One path for every write: simulate (so a refusal is explained before the wallet opens), wallet prompt, pending
// with its hash, confirmed; then every query is refreshed. A user's "no" is a calm notice, not an error.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { Abi, Hash } from "viem";
import { useConnection, usePublicClient, useWalletClient } from "wagmi";
import { describeFailure, type Failure } from "@/app/_lib/txErrors";

export type TransactionState =
  | { phase: "idle" }
  | { phase: "prompt"; label: string }
  | { phase: "pending"; label: string; hash: Hash }
  | { phase: "confirmed"; label: string; hash: Hash }
  | { phase: "failed"; label: string; failure: Failure };

export interface ContractWrite {
  address: `0x${string}`;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

export function useTransactor() {
  const { address } = useConnection();
  const publicClient = usePublicClient();
  const { data: walletClient } = useWalletClient();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TransactionState>({ phase: "idle" });

  /** Any step that ends in a transaction hash (a wallet write, or a signature the relay submits), to confirmation. */
  async function run(label: string, step: () => Promise<Hash>): Promise<boolean> {
    if (!publicClient) {
      setState({ phase: "failed", label, failure: { kind: "failed", message: "The chain cannot be reached." } });
      return false;
    }
    setState({ phase: "prompt", label });
    try {
      const hash = await step();
      setState({ phase: "pending", label, hash });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("The transaction was reverted.");
      setState({ phase: "confirmed", label, hash });
      await queryClient.invalidateQueries();
      return true;
    } catch (error) {
      setState({ phase: "failed", label, failure: describeFailure(error) });
      return false;
    }
  }

  /** A contract write from the connected wallet, simulated first so a refusal is explained before the wallet opens. */
  async function send(label: string, write: ContractWrite): Promise<boolean> {
    if (!publicClient || !walletClient || !address) {
      setState({ phase: "failed", label, failure: { kind: "failed", message: "Connect your wallet first." } });
      return false;
    }
    return run(label, async () => {
      const { request } = await publicClient.simulateContract({ ...write, account: address } as never);
      return walletClient.writeContract(request as never);
    });
  }

  const busy = state.phase === "prompt" || state.phase === "pending";
  return { state, busy, send, run, reset: () => setState({ phase: "idle" }) };
}
