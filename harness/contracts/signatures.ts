// EIP-712 signing of the consent registry's typed requests, as a wallet would do it.
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { GRANT_CONSENT_TYPES, REVOKE_CONSENT_TYPES } from "@/lib/consentSignatures";
import { ethers } from "hardhat";
import type { ConsentRegistry } from "@/typechain-types";

// The typed structs are the portal's own, so the tests also check that what the portal signs is what the contract
// verifies. ethers wants mutable field arrays; the content is the same.
export const GRANT_TYPES = GRANT_CONSENT_TYPES as unknown as Record<string, TypedDataField[]>;
export const REVOKE_TYPES = REVOKE_CONSENT_TYPES as unknown as Record<string, TypedDataField[]>;

export interface GrantRequest {
  patient: string;
  grantee: string;
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
  nonce: bigint;
  deadline: bigint | number;
}

export interface RevokeRequest {
  patient: string;
  grantee: string;
  nonce: bigint;
  deadline: bigint | number;
}

/** The registry's EIP-712 domain: name MedConsent, version 1, this chain, the registry's address. */
export async function consentDomain(registry: ConsentRegistry): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return { name: "MedConsent", version: "1", chainId, verifyingContract: await registry.getAddress() };
}

export async function signGrant(signer: Signer, domain: TypedDataDomain, request: GrantRequest): Promise<string> {
  return signer.signTypedData(domain, GRANT_TYPES, request);
}

export async function signRevoke(signer: Signer, domain: TypedDataDomain, request: RevokeRequest): Promise<string> {
  return signer.signTypedData(domain, REVOKE_TYPES, request);
}

const SECP256K1_N = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");

/** The malleable twin (s' = n - s, v flipped) of a valid signature: also valid for raw ecrecover. */
export function malleableTwin(signature: string): string {
  const sig = ethers.Signature.from(signature);
  const s = SECP256K1_N - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(s, 32), ethers.toBeHex(v, 1)]);
}
