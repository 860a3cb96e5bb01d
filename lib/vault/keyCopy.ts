// A passkey account's encryption key sealed for one added passkey: each passkey's PRF output differs, so a passkey
// added later derives another key than the one published; the first device seals the account's X25519 secret key
// under a key only the new passkey's PRF output gives, and the gateway stores the sealed copy (never able to open it).
//   wrappingKey = HKDF-SHA256(ikm = prfOutput, salt = "MedConsent passkey key copy v1",
//                             info = "MedConsent passkey key copy v1" || account(20) || credentialId bytes, 32)
//   ciphertext  = AES-256-GCM(wrappingKey, iv (12 random bytes), secretKey, aad = account(20) || credentialId bytes)
// WebCrypto only (the browser's and Node's), so the wrapping key is never extractable.
import { x25519 } from "@noble/curves/ed25519.js";
import { hexToBytes, isAddress, type Address } from "viem";
import { fromBase64Url, toBase64Url } from "./encoding";
import { publicKeyToHex, type EncryptionKeyPair } from "./encryptionKey";
import { VaultError } from "./errors";

const LABEL = new TextEncoder().encode("MedConsent passkey key copy v1");
const PRF_OUTPUT_BYTES = 32;
const SECRET_KEY_BYTES = 32;
/** AES-GCM's 96-bit IV. */
export const KEY_COPY_IV_BYTES = 12;
/** The sealed 32-byte secret key and GCM's 16-byte tag. */
export const KEY_COPY_CIPHERTEXT_BYTES = SECRET_KEY_BYTES + 16;

/** A sealed copy as the gateway stores and serves it: base64url text, opaque to it. */
export interface SealedKeyCopy {
  iv: string;
  ciphertext: string;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

/** The account's 20 bytes and the credential id's bytes: what binds a copy to one account and one passkey. */
function binding(account: Address, credentialId: string): Uint8Array<ArrayBuffer> {
  if (!isAddress(account, { strict: false })) throw new VaultError("Not an account address.");
  let id: Uint8Array;
  try {
    id = fromBase64Url(credentialId);
  } catch {
    throw new VaultError("Not a passkey credential id (base64url).");
  }
  if (id.length === 0) throw new VaultError("Not a passkey credential id (base64url).");
  return Uint8Array.from(concat(hexToBytes(account), id));
}

/** The HKDF info of a key copy: the label, then the account and credential id, so each copy has its own key. */
export function keyCopyInfo(account: Address, credentialId: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(concat(LABEL, binding(account, credentialId)));
}

async function wrappingKey(prfOutput: Uint8Array, account: Address, credentialId: string): Promise<CryptoKey> {
  if (!(prfOutput instanceof Uint8Array) || prfOutput.length !== PRF_OUTPUT_BYTES)
    throw new VaultError("A passkey's PRF result is 32 bytes.");
  const ikm = await crypto.subtle.importKey("raw", Uint8Array.from(prfOutput), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: Uint8Array.from(LABEL), info: keyCopyInfo(account, credentialId) },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Seals `secretKey` (the account's X25519 key) for the passkey `credentialId`, whose PRF output is `prfOutput`. */
export async function sealKeyCopy(
  secretKey: Uint8Array,
  prfOutput: Uint8Array,
  account: Address,
  credentialId: string,
): Promise<SealedKeyCopy> {
  if (secretKey.length !== SECRET_KEY_BYTES) throw new VaultError("An encryption secret key is 32 bytes.");
  const key = await wrappingKey(prfOutput, account, credentialId);
  const iv = crypto.getRandomValues(new Uint8Array(KEY_COPY_IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: binding(account, credentialId) },
    key,
    Uint8Array.from(secretKey),
  );
  return { iv: toBase64Url(iv), ciphertext: toBase64Url(new Uint8Array(ciphertext)) };
}

/**
 * Opens a sealed copy with this passkey's PRF output and checks the key inside is the one `account` published; throws
 * VaultError for another passkey, account or credential id, a tampered copy, or a key that is not the published one.
 */
export async function openKeyCopy(
  copy: SealedKeyCopy,
  prfOutput: Uint8Array,
  account: Address,
  credentialId: string,
  publishedKey: Uint8Array,
): Promise<EncryptionKeyPair> {
  let iv: Uint8Array<ArrayBuffer>;
  let ciphertext: Uint8Array<ArrayBuffer>;
  try {
    iv = fromBase64Url(copy.iv);
    ciphertext = fromBase64Url(copy.ciphertext);
  } catch {
    throw new VaultError("The stored copy of your encryption key is damaged.");
  }
  if (iv.length !== KEY_COPY_IV_BYTES || ciphertext.length !== KEY_COPY_CIPHERTEXT_BYTES)
    throw new VaultError("The stored copy of your encryption key is damaged.");
  const key = await wrappingKey(prfOutput, account, credentialId);
  let secretKey: Uint8Array;
  try {
    secretKey = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: binding(account, credentialId) },
        key,
        ciphertext,
      ),
    );
  } catch {
    throw new VaultError(
      "This passkey cannot open the stored copy of your encryption key (it was made for another passkey, or changed).",
    );
  }
  const publicKey = x25519.getPublicKey(secretKey);
  if (publicKeyToHex(publicKey) !== publicKeyToHex(publishedKey))
    throw new VaultError("The stored copy of your encryption key is not the key your account published.");
  return { secretKey, publicKey, publicKeyHex: publicKeyToHex(publicKey) };
}
