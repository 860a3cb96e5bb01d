// The gas-free relay: submits a signed-in patient's own EIP-712-signed grantConsentBySig or revokeConsentBySig to the
// ConsentRegistry, paying the gas from the relayer's account (RELAYER_PRIVATE_KEY). Everything that can refuse —
// session, quotas, simulation, gas estimate — runs before the one-at-a-time send queue, so a refused or slow request
// never holds up the others, and a bad signature never costs gas.
import "server-only";
import { BaseError, HttpRequestError, TimeoutError, type Abi, type Address, type Hash } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { explainError } from "@/lib/accessErrors";
import { decodeRevert } from "@/lib/decodeRevert";
import type { Gateway } from "@/server/gateway/context";
import { chainUnavailable, forbidden, GatewayError } from "@/server/gateway/http/errors";
import { checkRelayQuota, RELAYED, releaseRelay, reserveRelay, type Sponsorship } from "./relayQuota";
import type { RelayCall } from "./relayRequest";
import type { Session } from "@/server/gateway/auth/sessions";

// Sends one at a time in this process, so two relays never race for the relayer's account nonce.
let sendQueue: Promise<unknown> = Promise.resolve();

function serialised<T>(send: () => Promise<T>): Promise<T> {
  const result = sendQueue.then(send, send);
  sendQueue = result.catch(() => undefined);
  return result;
}

const isTransportFailure = (error: unknown) =>
  error instanceof BaseError && error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null;

export const relayerNotConfigured = () =>
  new GatewayError(
    503,
    "relayer_not_configured",
    "The gas-free relay is not set up on this server (RELAYER_PRIVATE_KEY). You can still send the change from your " +
      "own wallet.",
  );

/** A transaction the relayer pays for: one contract call. */
export interface SponsoredCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/** Runs the call against the latest block and estimates its gas: 422 with the contract's error if it would revert. */
async function simulate(gateway: Gateway, call: SponsoredCall): Promise<{ request: unknown; gas: bigint }> {
  const contract = { ...call, account: gateway.config.relayerAccount };
  try {
    // A revert here (bad signature, expired deadline, inactive provider…) costs the relayer nothing.
    const { publicClient } = gateway.consentClient;
    const { request } = await publicClient.simulateContract(contract as never);
    const gas = await publicClient.estimateContractGas(contract as never);
    return { request, gas };
  } catch (error) {
    const revert = decodeRevert(error);
    if (revert !== undefined) {
      throw new GatewayError(422, revert.errorName, explainError(revert.errorName, revert.args));
    }
    console.error("gateway: relay simulation could not reach the chain:", error);
    throw chainUnavailable();
  }
}

/**
 * Sends `call` from the relayer for `account` (whose quota it counts, with a deployment's client's): the day's quotas,
 * a simulation and gas estimate at the latest block, the gas budget, and only then the one-at-a-time send queue.
 * Shared by the consent relay, the passkey accounts' signed executions and their sponsored deployment, so all three
 * spend one budget.
 */
export async function sendSponsored(
  gateway: Gateway,
  account: Address,
  call: SponsoredCall,
  sponsorship: Sponsorship = RELAYED,
  now = Date.now(),
): Promise<{ hash: Hash }> {
  const wallet = gateway.relayerClient;
  if (wallet === undefined || gateway.config.relayerAccount === undefined) throw relayerNotConfigured();
  const quota = gateway.config.relayQuota;
  await checkRelayQuota(gateway.db, quota, account, now, sponsorship);
  const { request, gas } = await simulate(gateway, call);
  // The transaction is sent with this gas limit, so the budget counts the most it can cost.
  const { day } = await reserveRelay(gateway.db, quota, account, Number(gas), now, sponsorship);
  try {
    const hash: Hash = await serialised(() => wallet.writeContract({ ...(request as object), gas } as never));
    return { hash };
  } catch (error) {
    // The node refused it, so nothing was sent: the reservation is given back. A lost connection keeps it counted,
    // since the transaction may have reached the node.
    if (!isTransportFailure(error)) await releaseRelay(gateway.db, account, Number(gas), day, sponsorship);
    console.error("gateway: relay send failed:", error);
    const reason = error instanceof BaseError ? error.shortMessage : "no answer";
    throw new GatewayError(
      503,
      "relay_failed",
      `The relay could not send the transaction (${reason}). Try again shortly.`,
    );
  }
}

/** Relays the signed-in patient's own signed consent change; the transaction hash once the node accepted it. */
export async function relay(gateway: Gateway, session: Session, call: RelayCall, now = Date.now()) {
  if (gateway.relayerClient === undefined || gateway.config.relayerAccount === undefined) throw relayerNotConfigured();
  if (session.address !== call.patient) {
    throw forbidden(
      `You are signed in as ${session.address}, and this signature is ${call.patient}'s: the gas-free relay sends ` +
        "only the signed-in patient's own consent changes.",
      "not_your_signature",
    );
  }
  const contract: SponsoredCall = {
    address: gateway.config.addresses.consentRegistry,
    abi: abis.ConsentRegistry,
    functionName: call.functionName,
    args: call.args,
  };
  return sendSponsored(gateway, call.patient, contract, RELAYED, now);
}
