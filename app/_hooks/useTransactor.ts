"use client";
// One path for every write: simulate (so a refusal is explained before the wallet opens), wallet prompt, pending
// with its hash, confirmed with its receipt; then, once the indexer (if any) has the receipt's block, every query is
// refreshed, so the lists show the change at once. A user's "no" is a calm notice, not an error. Writes are typed
// from the generated `as const` ABIs: a contract or function name that does not exist, or an argument of the wrong
// type, does not compile.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { Address, ContractFunctionArgs, ContractFunctionName, Hash, TransactionReceipt } from "viem";
import { simulateContract, waitForTransactionReceipt } from "viem/actions";
import { useClient, useConfig, useConnection } from "wagmi";
import { appConfig } from "@/app/_lib/appConfig";
import { waitForIndexedBlock } from "@/app/_lib/portalClient";
import { describeFailure, type Failure } from "@/app/_lib/txErrors";
import type { MedConsentAddresses } from "@/lib/consentClient";
import { abis, type MedConsentContractName } from "@/lib/contracts/deployedContracts";

export type TransactionState =
  | { phase: "idle" }
  | { phase: "prompt"; label: string }
  | { phase: "pending"; label: string; hash: Hash }
  | { phase: "confirmed"; label: string; hash: Hash }
  | { phase: "failed"; label: string; failure: Failure };

type Abis = typeof abis;
type Writes = "nonpayable" | "payable";

/** The state-changing functions of one contract, by name. */
export type WriteFunctionName<C extends MedConsentContractName> = ContractFunctionName<Abis[C], Writes>;

/** One call of a state-changing function of a MedConsent contract, typed from its ABI. */
export interface ContractWrite<C extends MedConsentContractName, F extends WriteFunctionName<C>> {
  contract: C;
  functionName: F;
  args: ContractFunctionArgs<Abis[C], Writes, F>;
}

const ADDRESS_OF: Record<MedConsentContractName, keyof MedConsentAddresses> = {
  ProviderRegistry: "providerRegistry",
  ConsentRegistry: "consentRegistry",
  RecordRegistry: "recordRegistry",
  KeyDirectory: "keyDirectory",
  DisclosureLog: "disclosureLog",
};

/** The address (from the portal's configuration) and ABI of a contract write, as viem's actions take them. */
function callOf<C extends MedConsentContractName, F extends WriteFunctionName<C>>(write: ContractWrite<C, F>) {
  return {
    address: appConfig.addresses[ADDRESS_OF[write.contract]],
    abi: abis[write.contract],
    functionName: write.functionName,
    args: write.args,
  };
}

export function useTransactor() {
  const { address } = useConnection();
  // The plain client with single actions, not usePublicClient: that adds every public action of viem to the page.
  const publicClient = useClient();
  const config = useConfig();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TransactionState>({ phase: "idle" });

  /**
   * Any step that ends in a transaction hash (a wallet write, or a signature the relay submits), to confirmation;
   * the receipt once it succeeded, undefined when it did not (the state says why).
   */
  async function run(label: string, step: () => Promise<Hash>): Promise<TransactionReceipt | undefined> {
    if (!publicClient) {
      setState({ phase: "failed", label, failure: { kind: "failed", message: "The chain cannot be reached." } });
      return undefined;
    }
    setState({ phase: "prompt", label });
    try {
      const hash = await step();
      setState({ phase: "pending", label, hash });
      const receipt = await waitForTransactionReceipt(publicClient, { hash });
      if (receipt.status !== "success") throw new Error("The transaction was reverted.");
      setState({ phase: "confirmed", label, hash });
      // Refreshed before the indexer has the block, the lists would come back without the change.
      await waitForIndexedBlock(receipt.blockNumber);
      await queryClient.invalidateQueries();
      return receipt;
    } catch (error) {
      setState({ phase: "failed", label, failure: describeFailure(error) });
      return undefined;
    }
  }

  /**
   * Simulates a write as `account` without sending it: the refusal, if any, as the error the contract would raise.
   * For steps that end elsewhere than the wallet (a signature the relay submits).
   */
  async function simulate<C extends MedConsentContractName, F extends WriteFunctionName<C>>(
    write: ContractWrite<C, F>,
    account: Address,
  ) {
    if (!publicClient) throw new Error("The chain cannot be reached.");
    // viem cannot narrow its own generics through ours; the call is typed by ContractWrite above.
    return simulateContract(publicClient, { ...callOf(write), account } as never);
  }

  /** A contract write from the connected wallet, simulated first so a refusal is explained before the wallet opens. */
  async function send<C extends MedConsentContractName, F extends WriteFunctionName<C>>(
    label: string,
    write: ContractWrite<C, F>,
  ): Promise<TransactionReceipt | undefined> {
    if (!publicClient || !address) {
      setState({ phase: "failed", label, failure: { kind: "failed", message: "Connect your wallet first." } });
      return undefined;
    }
    return run(label, async () => {
      const { request } = await simulate(write, address);
      // The wallet client (and viem's wallet actions behind it) loads with the first write, not with every page.
      const { getWalletClient } = await import("wagmi/actions");
      const walletClient = await getWalletClient(config);
      return walletClient.writeContract(request as never);
    });
  }

  const busy = state.phase === "prompt" || state.phase === "pending";
  return { state, busy, send, run, simulate, reset: () => setState({ phase: "idle" }) };
}
