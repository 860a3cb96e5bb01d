// The gas-free relay: submits a signed-in patient's own EIP-712-signed grantConsentBySig or revokeConsentBySig to the
// ConsentRegistry, paying the gas from the relayer's account (RELAYER_PRIVATE_KEY). Everything that can refuse —
// session, quotas, simulation, gas estimate — runs before the one-at-a-time send queue, so a refused or slow request
// never holds up the others, and a bad signature never costs gas.
import "server-only";
import { BaseError, HttpRequestError, TimeoutError, type Hash } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { explainError } from "@/lib/accessErrors";
import { decodeRevert } from "@/lib/decodeRevert";
import type { Gateway } from "@/server/gateway/context";
import { chainUnavailable, forbidden, GatewayError } from "@/server/gateway/http/errors";
import { checkRelayQuota, releaseRelay, reserveRelay } from "./relayQuota";
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

const relayerNotConfigured = () =>
  new GatewayError(
    503,
    "relayer_not_configured",
    "The gas-free relay is not set up on this server (RELAYER_PRIVATE_KEY). You can still send the change from your " +
      "own wallet.",
  );

/** Runs the call against the latest block and estimates its gas: 422 with the contract's error if it would revert. */
async function simulate(gateway: Gateway, call: RelayCall): Promise<{ request: unknown; gas: bigint }> {
  const contract = {
    address: gateway.config.addresses.consentRegistry,
    abi: abis.ConsentRegistry,
    functionName: call.functionName,
    args: call.args,
    account: gateway.config.relayerAccount,
  };
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

/** Relays the signed-in patient's own signed consent change; the transaction hash once the node accepted it. */
export async function relay(gateway: Gateway, session: Session, call: RelayCall, now = Date.now()) {
  const wallet = gateway.relayerClient;
  if (wallet === undefined || gateway.config.relayerAccount === undefined) throw relayerNotConfigured();
  if (session.address !== call.patient) {
    throw forbidden(
      `You are signed in as ${session.address}, and this signature is ${call.patient}'s: the gas-free relay sends ` +
        "only the signed-in patient's own consent changes.",
      "not_your_signature",
    );
  }
  const quota = gateway.config.relayQuota;
  await checkRelayQuota(gateway.db, quota, call.patient, now);
  const { request, gas } = await simulate(gateway, call);
  // The transaction is sent with this gas limit, so the budget counts the most it can cost.
  const { day } = await reserveRelay(gateway.db, quota, call.patient, Number(gas), now);
  try {
    const hash: Hash = await serialised(() => wallet.writeContract({ ...(request as object), gas } as never));
    return { hash };
  } catch (error) {
    // The node refused it, so nothing was sent: the reservation is given back. A lost connection keeps it counted,
    // since the transaction may have reached the node.
    if (!isTransportFailure(error)) await releaseRelay(gateway.db, call.patient, Number(gas), day);
    console.error("gateway: relay send failed:", error);
    const reason = error instanceof BaseError ? error.shortMessage : "no answer";
    throw new GatewayError(
      503,
      "relay_failed",
      `The relay could not send the transaction (${reason}). Try again shortly.`,
    );
  }
}
