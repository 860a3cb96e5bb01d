// Fixtures and signing helpers for passkey accounts (PatientAccount): a software passkey, the account the factory
// deployed for it, and the ERC-1271 signatures the ConsentRegistry and executeBySig accept.
import { ethers } from "hardhat";
import type { Address, Hex } from "viem";
import { REVOKE_CONSENT_TYPES, consentDomain, grantTypedData, type GrantArgs } from "@/lib/consentSignatures";
import {
  encodeCalls,
  executeChallenge,
  messageChallenge,
  passkeyExecuteSignature,
  passkeyMessageSignature,
  passkeyTypedDataSignature,
  typedDataChallenge,
  type AccountCall,
} from "@/lib/passkey/webauthnSignature";
import { SoftPasskey, type SignOptions } from "@/harness/softPasskey";
import type { PatientAccount } from "@/typechain-types";
import { PatientAccount__factory } from "@/typechain-types";
import { providersFixture } from "./fixtures";

export async function chainIdOf(): Promise<number> {
  return Number((await ethers.provider.getNetwork()).chainId);
}

/** Providers, the factory from the production module, and a patient's passkey account already deployed. */
export async function passkeyAccountFixture() {
  const base = await providersFixture();
  const [, , , , , , , , , , sponsor] = await ethers.getSigners();
  const factory = base.patientAccountFactory;
  const passkey = new SoftPasskey();
  const address = await factory.predictAddress(passkey.publicKey.x, passkey.publicKey.y);
  await factory.connect(sponsor).createAccount(passkey.publicKey.x, passkey.publicKey.y);
  const account = PatientAccount__factory.connect(address, sponsor);
  const verifier = (await account.webAuthnVerifier()) as Address;
  return { ...base, factory, passkey, account, address: address as Address, verifier, sponsor };
}

export interface PasskeyContext {
  passkey: SoftPasskey;
  verifier: Address;
  address: Address;
}

/** A passkey-signed grant of `args`, as the portal would build it, ready for grantConsentBySig. */
export async function signGrantWithPasskey(
  ctx: PasskeyContext,
  consentRegistry: Address,
  args: GrantArgs,
  nonce: bigint,
  deadline: bigint,
  options: SignOptions & { chainId?: number; challengeAccount?: Address } = {},
): Promise<Hex> {
  const chainId = options.chainId ?? (await chainIdOf());
  const typedData = grantTypedData({ chainId, consentRegistry, patient: ctx.address, args, nonce, deadline });
  const challenge = typedDataChallenge(typedData, { chainId, address: options.challengeAccount ?? ctx.address });
  const assertion = ctx.passkey.sign(challenge, options);
  return passkeyTypedDataSignature(typedData, { verifier: ctx.verifier, publicKey: ctx.passkey.publicKey }, assertion);
}

/** A passkey-signed revoke, ready for revokeConsentBySig. */
export async function signRevokeWithPasskey(
  ctx: PasskeyContext,
  consentRegistry: Address,
  grantee: Address,
  nonce: bigint,
  deadline: bigint,
): Promise<Hex> {
  const chainId = await chainIdOf();
  const typedData = {
    domain: consentDomain(chainId, consentRegistry),
    types: REVOKE_CONSENT_TYPES,
    primaryType: "RevokeConsent",
    message: { patient: ctx.address, grantee, nonce, deadline },
  } as const;
  const assertion = ctx.passkey.sign(typedDataChallenge(typedData, { chainId, address: ctx.address }));
  return passkeyTypedDataSignature(typedData, { verifier: ctx.verifier, publicKey: ctx.passkey.publicKey }, assertion);
}

/** A passkey-signed personal_sign message (e.g. SIWE) for isValidSignature. */
export async function signMessageWithPasskey(ctx: PasskeyContext, message: string): Promise<Hex> {
  const assertion = ctx.passkey.sign(messageChallenge(message, { chainId: await chainIdOf(), address: ctx.address }));
  return passkeyMessageSignature({ verifier: ctx.verifier, publicKey: ctx.passkey.publicKey }, assertion);
}

/** executeBySig's arguments for `calls`, signed by `ctx.passkey` (or `signer`, to sign with another key). */
export async function signExecution(
  ctx: PasskeyContext,
  account: PatientAccount,
  calls: AccountCall[],
  deadline: bigint,
  overrides: { nonce?: bigint; signer?: SoftPasskey; chainId?: number } = {},
) {
  const executionData = encodeCalls(calls);
  const nonce = overrides.nonce ?? (await account.nonces(ctx.address));
  const chainId = overrides.chainId ?? (await chainIdOf());
  const signer = overrides.signer ?? ctx.passkey;
  const assertion = signer.sign(executeChallenge({ chainId, account: ctx.address, executionData, nonce, deadline }));
  const signature = passkeyExecuteSignature({ verifier: ctx.verifier, publicKey: signer.publicKey }, assertion);
  return [executionData, nonce, deadline, signature] as const;
}
