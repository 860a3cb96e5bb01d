// The two ways a patient's grant or revoke reaches the registry — sent by the patient, or signed (EIP-712) by the
// patient and relayed by someone else — behind one adapter, so a test states each case once and runs it through both.
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse, Signer, TypedDataDomain } from "ethers";
import type { ConsentRegistry } from "@/typechain-types";
import { HOUR } from "@/harness/contracts/codes";
import {
  consentDomain,
  signGrant,
  signRevoke,
  type GrantRequest,
  type RevokeRequest,
} from "@/harness/contracts/signatures";

/** What a grant sets: everything but the patient. */
export interface GrantTerms {
  grantee: string;
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
}

/** The accounts and registry a path needs. */
export interface PathContext {
  consentRegistry: ConsentRegistry;
  patient: HardhatEthersSigner;
  relayer: HardhatEthersSigner;
}

/**
 * One way of submitting the patient's grant or revoke. `at`, when given, pins the timestamp of the block that
 * includes the transaction (signing happens first and mines nothing).
 */
export interface ConsentPath {
  name: string;
  grant(ctx: PathContext, terms: GrantTerms, at?: number): Promise<ContractTransactionResponse>;
  revoke(ctx: PathContext, grantee: string, at?: number): Promise<ContractTransactionResponse>;
}

/**
 * How long a signature stays valid after the moment it is meant for: the registry's MAX_SIGNATURE_LIFETIME, so the
 * signed path runs every case at that limit (a deadline of exactly the block's time + 1 hour is accepted). The moment is
 * always the chain's (`time.latest()` or the pinned block time), never this computer's clock.
 */
export const SIGNATURE_LIFETIME = HOUR;

async function pin(at?: number): Promise<void> {
  if (at !== undefined) await time.setNextBlockTimestamp(at);
}

/** The patient sends the transaction and pays for it. */
export const directPath: ConsentPath = {
  name: "direct",
  async grant({ consentRegistry, patient }, terms, at) {
    await pin(at);
    return consentRegistry
      .connect(patient)
      .grantConsent(terms.grantee, terms.categories, terms.actions, terms.purposes, terms.expiresAt);
  },
  async revoke({ consentRegistry, patient }, grantee, at) {
    await pin(at);
    return consentRegistry.connect(patient).revokeConsent(grantee);
  },
};

/** The patient signs with their current nonce; the relayer submits and pays. */
export const signedPath: ConsentPath = {
  name: "signed",
  async grant({ consentRegistry, patient, relayer }, terms, at) {
    const deadline = (at ?? (await time.latest())) + SIGNATURE_LIFETIME;
    const { request, signature } = await signGrantRequest(consentRegistry, patient, { ...terms, deadline });
    await pin(at);
    return relayGrant(consentRegistry.connect(relayer), request, signature);
  },
  async revoke({ consentRegistry, patient, relayer }, grantee, at) {
    const deadline = (at ?? (await time.latest())) + SIGNATURE_LIFETIME;
    const { request, signature } = await signRevokeRequest(consentRegistry, patient, { grantee, deadline });
    await pin(at);
    return relayRevoke(consentRegistry.connect(relayer), request, signature);
  },
};

export const CONSENT_PATHS: readonly ConsentPath[] = [directPath, signedPath];

/** Overrides for a signed request: by default the patient is the signer, the nonce the current one. */
export interface SignOptions {
  patient?: string;
  nonce?: bigint;
  domain?: TypedDataDomain;
}

/** `signer` signs a GrantConsent request for `patient` (default: the signer itself). */
export async function signGrantRequest(
  registry: ConsentRegistry,
  signer: Signer,
  fields: GrantTerms & { deadline: bigint | number },
  options: SignOptions = {},
): Promise<{ request: GrantRequest; signature: string }> {
  const patient = options.patient ?? (await signer.getAddress());
  const nonce = options.nonce ?? (await registry.nonces(patient));
  const request: GrantRequest = { patient, ...fields, nonce };
  const signature = await signGrant(signer, options.domain ?? (await consentDomain(registry)), request);
  return { request, signature };
}

/** `signer` signs a RevokeConsent request for `patient` (default: the signer itself). */
export async function signRevokeRequest(
  registry: ConsentRegistry,
  signer: Signer,
  fields: { grantee: string; deadline: bigint | number },
  options: SignOptions = {},
): Promise<{ request: RevokeRequest; signature: string }> {
  const patient = options.patient ?? (await signer.getAddress());
  const nonce = options.nonce ?? (await registry.nonces(patient));
  const request: RevokeRequest = { patient, ...fields, nonce };
  const signature = await signRevoke(signer, options.domain ?? (await consentDomain(registry)), request);
  return { request, signature };
}

/** Submits a signed grant through `registry` as connected (the relayer). The request's nonce is not sent. */
export function relayGrant(
  registry: ConsentRegistry,
  request: GrantRequest,
  signature: string,
): Promise<ContractTransactionResponse> {
  return registry.grantConsentBySig(
    request.patient,
    request.grantee,
    request.categories,
    request.actions,
    request.purposes,
    request.expiresAt,
    request.deadline,
    signature,
  );
}

/** Submits a signed revoke through `registry` as connected (the relayer). The request's nonce is not sent. */
export function relayRevoke(
  registry: ConsentRegistry,
  request: RevokeRequest,
  signature: string,
): Promise<ContractTransactionResponse> {
  return registry.revokeConsentBySig(request.patient, request.grantee, request.deadline, signature);
}
