// Wrapping a record key for one reader (ECIES-style): a fresh X25519 key pair per wrap, HKDF-SHA256 to a key-
// encryption key, XChaCha20-Poly1305 with the record's content hash as associated data, so a wrapped key only opens
// the record it was made for. Format (version 1), 105 bytes:
//   0x01 || ephemeralPublicKey(32) || nonce(24) || XChaCha20-Poly1305(kek, nonce, recordKey, aad = contentHash)(48)
//   kek = HKDF-SHA256(ikm = x25519(ephemeralSecret, recipientPublic), salt = ephemeralPublic || recipientPublic,
//                     info = "MedConsent record key wrap v1", 32)
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { fixedBytesOfHex } from "./encoding";
import { VaultError } from "./errors";
import { RECORD_KEY_LENGTH } from "./recordCipher";

const WRAP_VERSION = 0x01;
const PUBLIC_KEY_BYTES = 32;
const NONCE_BYTES = 24;
const SEALED_BYTES = RECORD_KEY_LENGTH + 16;
const WRAP_INFO = new TextEncoder().encode("MedConsent record key wrap v1");

/** Length in bytes of a wrapped record key (version 1). */
export const WRAPPED_KEY_LENGTH = 1 + PUBLIC_KEY_BYTES + NONCE_BYTES + SEALED_BYTES;

function keyEncryptionKey(sharedSecret: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array) {
  const salt = new Uint8Array(2 * PUBLIC_KEY_BYTES);
  salt.set(ephemeralPublic);
  salt.set(recipientPublic, PUBLIC_KEY_BYTES);
  return hkdf(sha256, sharedSecret, salt, WRAP_INFO, 32);
}

function sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(secretKey, publicKey);
  } catch {
    // noble refuses low-order public keys (all-zero shared secret): such a key could never be a real reader's.
    throw new VaultError("This encryption public key is not usable.");
  }
}

/** Wraps a record key for the holder of `recipientPublicKey`, bound to the record's 0x content hash. */
export function wrapRecordKey(
  recordKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  contentHash: string,
): Uint8Array<ArrayBuffer> {
  if (recordKey.length !== RECORD_KEY_LENGTH) throw new VaultError("A record key is 32 bytes.");
  if (recipientPublicKey.length !== PUBLIC_KEY_BYTES) throw new VaultError("An encryption public key is 32 bytes.");
  const aad = fixedBytesOfHex(contentHash, 32, "A content hash");
  const ephemeralSecret = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const kek = keyEncryptionKey(sharedSecret(ephemeralSecret, recipientPublicKey), ephemeralPublic, recipientPublicKey);
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = xchacha20poly1305(kek, nonce, aad).encrypt(recordKey);

  const wrapped = new Uint8Array(WRAPPED_KEY_LENGTH);
  wrapped[0] = WRAP_VERSION;
  wrapped.set(ephemeralPublic, 1);
  wrapped.set(nonce, 1 + PUBLIC_KEY_BYTES);
  wrapped.set(sealed, 1 + PUBLIC_KEY_BYTES + NONCE_BYTES);
  return wrapped;
}

/** Opens a wrapped record key with the reader's X25519 secret key; throws VaultError if it is not theirs. */
export function unwrapRecordKey(
  wrapped: Uint8Array,
  recipientSecretKey: Uint8Array,
  contentHash: string,
): Uint8Array<ArrayBuffer> {
  if (wrapped.length !== WRAPPED_KEY_LENGTH)
    throw new VaultError(`A wrapped record key is ${WRAPPED_KEY_LENGTH} bytes, not ${wrapped.length}.`);
  if (wrapped[0] !== WRAP_VERSION) throw new VaultError(`Unknown wrapped key format (version ${wrapped[0]}).`);
  if (recipientSecretKey.length !== 32) throw new VaultError("An encryption secret key is 32 bytes.");
  const aad = fixedBytesOfHex(contentHash, 32, "A content hash");
  const ephemeralPublic = wrapped.subarray(1, 1 + PUBLIC_KEY_BYTES);
  const nonce = wrapped.subarray(1 + PUBLIC_KEY_BYTES, 1 + PUBLIC_KEY_BYTES + NONCE_BYTES);
  const sealed = wrapped.subarray(1 + PUBLIC_KEY_BYTES + NONCE_BYTES);
  const recipientPublic = x25519.getPublicKey(recipientSecretKey);
  const kek = keyEncryptionKey(sharedSecret(recipientSecretKey, ephemeralPublic), ephemeralPublic, recipientPublic);
  try {
    return Uint8Array.from(xchacha20poly1305(kek, nonce, aad).decrypt(sealed));
  } catch {
    throw new VaultError(
      "This record key could not be unlocked: it was wrapped for someone else, for another record, or changed.",
    );
  }
}
