// A wallet's X25519 encryption key, derived from its signature of one fixed EIP-712 message, so there is no key file
// to store or lose: signing the same message again yields the same key. This needs a deterministic signer (RFC 6979,
// as every common EOA wallet is); and anyone who obtains that one signature can derive the key, which is why the
// message tells the user to sign it only on the portal. A passkey account's key comes from its passkey's PRF output
// instead (deriveEncryptionKeyPairFromPrf), since passkey signatures are randomised.
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { hexToBytes, isAddress, isHex, type Address, type Hex, type TypedDataDefinition } from "viem";
import { fixedBytesOfHex, toHex } from "./encoding";
import { VaultError } from "./errors";

export const KEY_DERIVATION_PURPOSE =
  "Unlock my MedConsent encryption key. Sign only on the MedConsent portal; this does not send a transaction or cost gas.";

const ENCRYPTION_KEY_TYPES = {
  EncryptionKey: [
    { name: "purpose", type: "string" },
    { name: "account", type: "address" },
  ],
} as const;

const DERIVATION_SALT = new TextEncoder().encode("MedConsent X25519 v1");
// An ECDSA signature is 65 bytes (64 in EIP-2098 form); anything shorter cannot carry enough secret entropy.
const MIN_SIGNATURE_BYTES = 64;

/** The fixed EIP-712 message whose signature is the account's encryption key material (for viem signTypedData). */
export function encryptionKeyTypedData(
  account: Address,
  chainId: number,
): TypedDataDefinition<typeof ENCRYPTION_KEY_TYPES, "EncryptionKey"> {
  return {
    domain: { name: "MedConsent", version: "1", chainId },
    types: ENCRYPTION_KEY_TYPES,
    primaryType: "EncryptionKey",
    message: { purpose: KEY_DERIVATION_PURPOSE, account },
  };
}

export type EncryptionKeyPair = { secretKey: Uint8Array; publicKey: Uint8Array; publicKeyHex: Hex };

/** The X25519 key pair of `account` from its signature of encryptionKeyTypedData (HKDF-SHA256, info = account). */
export function deriveEncryptionKeyPair(signature: Hex, account: Address): EncryptionKeyPair {
  if (!isAddress(account, { strict: false })) throw new VaultError("Not an account address.");
  if (
    !isHex(signature, { strict: true }) ||
    signature.length % 2 !== 0 ||
    signature.length < 2 + 2 * MIN_SIGNATURE_BYTES
  )
    throw new VaultError("Not a wallet signature.");
  const secretKey = hkdf(sha256, hexToBytes(signature), DERIVATION_SALT, hexToBytes(account), 32);
  const publicKey = x25519.getPublicKey(secretKey);
  return { secretKey, publicKey, publicKeyHex: publicKeyToHex(publicKey) };
}

/**
 * The salt a passkey's PRF extension is evaluated with: fixed, so the same passkey gives the same 32-byte secret on
 * every device that holds it (synced passkeys) and every time. Changing it changes every passkey patient's key.
 */
export const PRF_SALT: Uint8Array<ArrayBuffer> = Uint8Array.from(
  sha256(new TextEncoder().encode("MedConsent encryption key v1")),
);

const PRF_DERIVATION_SALT = new TextEncoder().encode("MedConsent X25519 from passkey PRF v1");
const PRF_OUTPUT_BYTES = 32;

/**
 * The X25519 key pair of a passkey account from its passkey's PRF output (WebAuthn `prf` extension, evaluated with
 * PRF_SALT): HKDF-SHA256(prfOutput, salt = "MedConsent X25519 from passkey PRF v1", info = the account's 20 bytes).
 * Passkey signatures are randomised, so deriveEncryptionKeyPair cannot serve them; the PRF output is deterministic
 * per credential and never leaves the browser. Its own salt separates it from a wallet-derived key.
 */
export function deriveEncryptionKeyPairFromPrf(prfOutput: Uint8Array, account: Address): EncryptionKeyPair {
  if (!isAddress(account, { strict: false })) throw new VaultError("Not an account address.");
  if (!(prfOutput instanceof Uint8Array) || prfOutput.length !== PRF_OUTPUT_BYTES)
    throw new VaultError("A passkey's PRF result is 32 bytes.");
  if (prfOutput.every((byte) => byte === 0)) throw new VaultError("The passkey's PRF result is empty.");
  const secretKey = hkdf(sha256, prfOutput, PRF_DERIVATION_SALT, hexToBytes(account), 32);
  const publicKey = x25519.getPublicKey(secretKey);
  return { secretKey, publicKey, publicKeyHex: publicKeyToHex(publicKey) };
}

/** An X25519 public key as the bytes32 the KeyDirectory stores. */
export function publicKeyToHex(publicKey: Uint8Array): Hex {
  if (publicKey.length !== 32) throw new VaultError("An encryption public key is 32 bytes.");
  return toHex(publicKey);
}

/** Whether the text is a published encryption key: 0x and 64 hex digits, not zero (zero means "none published"). */
export const isEncryptionPublicKey = (text: string): text is Hex =>
  /^0x[0-9a-fA-F]{64}$/.test(text) && !/^0x0{64}$/.test(text);

/** The X25519 public key bytes of a published bytes32 key; throws VaultError for zero ("none published") or junk. */
export function publicKeyFromHex(text: string): Uint8Array {
  if (/^0x0{64}$/.test(text)) throw new VaultError("This account has not published an encryption key.");
  return fixedBytesOfHex(text, 32, "An encryption public key");
}
