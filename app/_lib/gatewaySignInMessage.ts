// The EIP-4361 message the portal signs to sign in to the records gateway, for a wallet and a passkey account alike.
import type { Address } from "viem";
import { appConfig } from "@/app/_lib/appConfig";
import { gateway } from "@/app/_lib/gatewayClient";

export const SESSION_HOURS = 8;
export const SIWE_STATEMENT = "Sign in to the MedConsent gateway.";

/** A fresh message for `address` with a nonce from the gateway, valid for one session's length. */
export async function gatewaySignInMessage(address: Address): Promise<string> {
  const nonce = await gateway.nonce();
  const issuedAt = new Date();
  // The sign-in message builder loads with the first sign-in, not with every page.
  const { createSiweMessage } = await import("viem/siwe");
  return createSiweMessage({
    domain: window.location.host,
    uri: window.location.origin,
    address,
    chainId: appConfig.chain.id,
    nonce,
    version: "1",
    statement: SIWE_STATEMENT,
    issuedAt,
    expirationTime: new Date(issuedAt.getTime() + SESSION_HOURS * 3600_000),
  });
}
