"use client";
// Submitting a reviewed grant: as a transaction (grantConsent, or grantConsentFor when acting as a delegate), or
// gas-free (an EIP-712 signature that the gateway's relay submits as grantConsentBySig; the relay sends only the
// signed-in patient's own signature, so this signs in to the gateway first when needed).
import type { Address } from "viem";
import { useSignTypedData } from "wagmi";
import { useConsentClient } from "@/app/_hooks/useConsentClient";
import { useGatewaySession } from "@/app/_hooks/useGatewaySession";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { useUnrelayedSignatures } from "@/app/_hooks/useUnrelayedSignatures";
import { appConfig } from "@/app/_lib/appConfig";
import { gateway, GatewayError } from "@/app/_lib/gatewayClient";
import { grantConsentArgs } from "@/app/_lib/grantForm";
import type { UnrelayedSignature } from "@/app/_lib/unrelayedSignatures";
import {
  grantRelayBody,
  grantTypedData,
  signatureDeadline,
  type GrantArgs,
  type RelayBody,
} from "@/lib/consentSignatures";
import { patientLabel } from "./ActingFor";

export function useGrantConsent({
  patient,
  actingFor,
  changing,
}: {
  /** The connected account. */
  patient: Address;
  /** The patient a delegate grants for; undefined: the connected account's own. */
  actingFor?: Address;
  changing: boolean;
}) {
  const client = useConsentClient();
  const tx = useTransactor();
  const signTypedData = useSignTypedData();
  const gatewaySession = useGatewaySession();
  const unrelayed = useUnrelayedSignatures();
  const consentRegistry = appConfig.addresses.consentRegistry;

  async function grantByTransaction(args: GrantArgs) {
    const label = changing ? "Changing access" : "Granting access";
    if (actingFor !== undefined) {
      await tx.send(`${label} for ${patientLabel(actingFor)}`, {
        contract: "ConsentRegistry",
        functionName: "grantConsentFor",
        args: [actingFor, ...grantConsentArgs(args)],
      });
    } else {
      await tx.send(label, { contract: "ConsentRegistry", functionName: "grantConsent", args: grantConsentArgs(args) });
    }
  }

  /** Relays a signed change; if the gateway forgot the session meanwhile, signs in again and retries once. */
  async function relayOnce(body: RelayBody) {
    try {
      return await gateway.relay(body);
    } catch (error) {
      if (!(error instanceof GatewayError && error.needsSignIn)) throw error;
      gatewaySession.forget();
      await gatewaySession.signIn.mutateAsync();
      return gateway.relay(body);
    }
  }

  async function grantGasFree(args: GrantArgs) {
    let signed: UnrelayedSignature | undefined;
    const done = await tx.run(
      changing ? "Changing access without a fee" : "Granting access without a fee",
      async () => {
        // The same checks the relay will make, before the wallet opens: a refusal is explained without a signature.
        await tx.simulate(
          { contract: "ConsentRegistry", functionName: "grantConsent", args: grantConsentArgs(args) },
          patient,
        );
        const [nonce, latest] = await Promise.all([
          client.publicClient.readContract({
            address: consentRegistry,
            abi: client.abis.ConsentRegistry,
            functionName: "nonces",
            args: [patient],
          }),
          client.publicClient.getBlock({ blockTag: "latest" }),
        ]);
        const deadline = signatureDeadline(Number(latest.timestamp));
        const signature = await signTypedData.mutateAsync({
          account: patient,
          ...grantTypedData({ chainId: appConfig.chain.id, consentRegistry, patient, args, nonce, deadline }),
        });
        // Remembered before the relay is asked: if it fails, or this tab closes first, a later revoke cancels it.
        signed = { patient, nonce, deadline: Number(deadline) };
        unrelayed.remember(signed);
        // The relay sends only the signed-in patient's own signature: a sign-in signature too, if this tab has none
        // (after the consent's own, so cancelling that one in the wallet stops the flow before anything else).
        await gatewaySession.ensureSession();
        return relayOnce(grantRelayBody({ patient, args, deadline, signature }));
      },
    );
    // Mined: the registry spent its nonce, so there is nothing left to cancel.
    if (done !== undefined && signed !== undefined) unrelayed.forget(signed);
  }

  return { tx, grantByTransaction, grantGasFree };
}
