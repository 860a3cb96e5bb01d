// Passkey (WebAuthn, P-256) signatures for a PatientAccount: the challenge a passkey must sign for each use, and the
// assertion it returns encoded into exactly the bytes the account's isValidSignature / executeBySig expect. Pure and
// shared by the portal (navigator.credentials.get), the gateway (relay) and the tests (harness/softPasskey.ts).
import {
  concat,
  encodeAbiParameters,
  hashTypedData,
  numberToHex,
  pad,
  toBytes,
  toHex,
  zeroHash,
  type Address,
  type Hex,
  type SignableMessage,
  type TypedData,
  type TypedDataDefinition,
} from "viem";
import {
  hashMessage as erc7739HashMessage,
  hashTypedData as erc7739HashTypedData,
  wrapTypedDataSignature,
} from "viem/experimental/erc7739";

/** The order of the P-256 group, and half of it: the account refuses signatures with s above the half (malleability). */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
export const P256_HALF_N = P256_N / 2n;

/** A passkey's public key: the P-256 point's affine coordinates, 32 bytes each. */
export interface PasskeyPublicKey {
  x: Hex;
  y: Hex;
}

/**
 * What `navigator.credentials.get()` returns for an assertion (`AuthenticatorAssertionResponse`): the authenticator
 * data and client data JSON as sent, and the signature either DER-encoded (as browsers give it) or as r and s.
 */
export interface WebAuthnAssertion {
  authenticatorData: Hex | Uint8Array;
  clientDataJSON: string | Uint8Array;
  signature: Hex | Uint8Array | { r: bigint; s: bigint };
}

/** The account's own EIP-712 domain (OpenZeppelin EIP712 + ERC-7739: salt is zero). */
export function patientAccountDomain(chainId: number, account: Address) {
  return {
    name: "MedConsent Patient Account",
    version: "1",
    chainId,
    verifyingContract: account,
    salt: zeroHash,
  } as const;
}

/** The EIP-712 struct of PatientAccount.executeBySig. */
export const EXECUTE_TYPES = {
  Execute: [
    { name: "executionData", type: "bytes" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** One call of a signed execution, run with the account as `msg.sender`. */
export interface AccountCall {
  target: Address;
  value: bigint;
  data: Hex;
}

/** ERC-7821 batch encoding of calls (`abi.encode(Call[])`): the `executionData` of executeBySig. */
export function encodeCalls(calls: readonly AccountCall[]): Hex {
  return encodeAbiParameters(
    [
      {
        type: "tuple[]",
        components: [
          { name: "target", type: "address" },
          { name: "value", type: "uint256" },
          { name: "data", type: "bytes" },
        ],
      },
    ],
    [calls],
  );
}

/** The typed data of a signed execution, in the account's own domain (binding the chain and the account). */
export function executeTypedData(params: {
  chainId: number;
  account: Address;
  executionData: Hex;
  nonce: bigint;
  deadline: bigint;
}) {
  // The EIP-712 domain proper has no salt field (OpenZeppelin EIP712); only ERC-7739's TypedDataSign names it.
  const { salt: _salt, ...domain } = patientAccountDomain(params.chainId, params.account);
  return {
    domain,
    types: EXECUTE_TYPES,
    primaryType: "Execute",
    message: { executionData: params.executionData, nonce: params.nonce, deadline: params.deadline },
  } as const;
}

/** The 32 bytes a passkey signs (as its WebAuthn challenge) for executeBySig; equals the account's executeDigest. */
export function executeChallenge(params: Parameters<typeof executeTypedData>[0]): Hex {
  return hashTypedData(executeTypedData(params));
}

/**
 * The challenge for an app's typed data (e.g. the ConsentRegistry's GrantConsent or RevokeConsent from
 * `lib/consentSignatures.ts`) signed by the account: ERC-7739's TypedDataSign, which binds the hash to this account.
 */
export function typedDataChallenge<
  const T extends TypedData | Record<string, unknown>,
  P extends keyof T | "EIP712Domain",
>(typedData: TypedDataDefinition<T, P>, account: { chainId: number; address: Address }): Hex {
  return erc7739HashTypedData({
    ...typedData,
    verifierDomain: patientAccountDomain(account.chainId, account.address),
  } as Parameters<typeof erc7739HashTypedData>[0]);
}

/** The challenge for a personal_sign message (Sign-In with Ethereum): ERC-7739's PersonalSign in the account's domain. */
export function messageChallenge(message: SignableMessage, account: { chainId: number; address: Address }): Hex {
  return erc7739HashMessage({ message, verifierDomain: patientAccountDomain(account.chainId, account.address) });
}

/** base64url without padding, as WebAuthn writes the challenge into clientDataJSON. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The challenge bytes to pass to `navigator.credentials.get({ publicKey: { challenge } })`. */
export function challengeBytes(challenge: Hex): Uint8Array<ArrayBuffer> {
  return new Uint8Array(toBytes(challenge));
}

/** r and s of a DER-encoded ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }). */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  const fail = () => new Error("WebAuthn signature is not a DER-encoded ECDSA signature");
  if (der[0] !== 0x30 || der[2] !== 0x02) throw fail();
  const rLength = der[3];
  const r = der.slice(4, 4 + rLength);
  if (der[4 + rLength] !== 0x02) throw fail();
  const sLength = der[5 + rLength];
  const s = der.slice(6 + rLength, 6 + rLength + sLength);
  if (6 + rLength + sLength !== der.length || r.length !== rLength || s.length !== sLength) throw fail();
  return { r: BigInt(toHex(r)), s: BigInt(toHex(s)) };
}

/** s in the lower half of the group: the account (OpenZeppelin P256) refuses the high-s twin of a valid signature. */
export function normalizeS(s: bigint): bigint {
  return s > P256_HALF_N ? P256_N - s : s;
}

function rsOf(signature: WebAuthnAssertion["signature"]): { r: bigint; s: bigint } {
  if (typeof signature === "object" && "r" in signature) return signature;
  const bytes = typeof signature === "string" ? toBytes(signature) : signature;
  // 64 bytes are raw r ‖ s; anything else is DER.
  if (bytes.length === 64) return { r: BigInt(toHex(bytes.slice(0, 32))), s: BigInt(toHex(bytes.slice(32))) };
  return parseDerSignature(bytes);
}

/**
 * OpenZeppelin's `WebAuthn.WebAuthnAuth` ABI-encoded field by field: r, low s, the positions of `"challenge":"` and
 * `"type":"webauthn.get"` in clientDataJSON, authenticatorData and clientDataJSON.
 */
export function encodeWebAuthnAuth(assertion: WebAuthnAssertion): Hex {
  const clientDataJSON =
    typeof assertion.clientDataJSON === "string"
      ? assertion.clientDataJSON
      : new TextDecoder().decode(assertion.clientDataJSON);
  const challengeIndex = clientDataJSON.indexOf('"challenge":"');
  const typeIndex = clientDataJSON.indexOf('"type":"webauthn.get"');
  if (challengeIndex < 0 || typeIndex < 0)
    throw new Error("clientDataJSON lacks the challenge or the webauthn.get type");
  const { r, s } = rsOf(assertion.signature);
  const authenticatorData =
    typeof assertion.authenticatorData === "string" ? assertion.authenticatorData : toHex(assertion.authenticatorData);
  // The struct's fields encoded in place (no leading offset word): OpenZeppelin's WebAuthn.tryDecodeAuth reads the
  // calldata as the struct itself.
  return encodeAbiParameters(
    [
      { name: "r", type: "bytes32" },
      { name: "s", type: "bytes32" },
      { name: "challengeIndex", type: "uint256" },
      { name: "typeIndex", type: "uint256" },
      { name: "authenticatorData", type: "bytes" },
      { name: "clientDataJSON", type: "string" },
    ],
    [
      numberToHex(r, { size: 32 }),
      numberToHex(normalizeS(s), { size: 32 }),
      BigInt(challengeIndex),
      BigInt(typeIndex),
      authenticatorData,
      clientDataJSON,
    ],
  );
}

/** The ERC-7913 signer of a passkey in a PatientAccount: the WebAuthn verifier's address ‖ x ‖ y. */
export function passkeySigner(verifier: Address, publicKey: PasskeyPublicKey): Hex {
  return concat([verifier, pad(publicKey.x, { size: 32 }), pad(publicKey.y, { size: 32 })]);
}

/** Where the assertion came from: which passkey, and the account's WebAuthn verifier (`webAuthnVerifier()`). */
export interface PasskeySignerRef {
  verifier: Address;
  publicKey: PasskeyPublicKey;
}

/**
 * The account's raw signature (MultiSignerERC7913: `abi.encode(bytes[] signers, bytes[] signatures)` with one
 * passkey). This is what executeBySig takes, and what isValidSignature takes for a personal_sign (SIWE) message.
 */
export function passkeySignature(signer: PasskeySignerRef, assertion: WebAuthnAssertion): Hex {
  return encodeAbiParameters(
    [{ type: "bytes[]" }, { type: "bytes[]" }],
    [[passkeySigner(signer.verifier, signer.publicKey)], [encodeWebAuthnAuth(assertion)]],
  );
}

/** A personal_sign (SIWE) signature for isValidSignature: the raw signature over {messageChallenge}. */
export const passkeyMessageSignature = passkeySignature;

/** A signature for executeBySig: the raw signature over {executeChallenge}. */
export const passkeyExecuteSignature = passkeySignature;

/**
 * A typed-data signature (ConsentRegistry grantConsentBySig / revokeConsentBySig) for isValidSignature: the raw
 * signature over {typedDataChallenge}, wrapped as ERC-7739 requires (signature ‖ app domain separator ‖ contents hash ‖
 * contents type ‖ its length).
 */
export function passkeyTypedDataSignature<
  const T extends TypedData | Record<string, unknown>,
  P extends keyof T | "EIP712Domain",
>(typedData: TypedDataDefinition<T, P>, signer: PasskeySignerRef, assertion: WebAuthnAssertion): Hex {
  return wrapTypedDataSignature({
    ...(typedData as TypedDataDefinition),
    signature: passkeySignature(signer, assertion),
  });
}
