// The WebAuthn ceremonies of a passkey account, in the browser: create a discoverable P-256 passkey (with the PRF
// extension, which gives the patient's encryption key), and get an assertion over a 32-byte challenge. The pure parts
// (public key from SPKI, base64url, the plain words of a browser's refusal) are unit-tested in Node.
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { fromBase64Url, toBase64Url } from "@/lib/vault/encoding";
import { PasskeyError } from "./errors";

export { NoPrfError, NO_PRF_MESSAGE, PasskeyError } from "./errors";

/** COSE algorithm -7: ECDSA with SHA-256 on P-256, the only one a PatientAccount verifies. */
export const ES256 = -7;

/**
 * The PRF extension's salt: sha256("MedConsent encryption key v1"), the vault's PRF_SALT (a unit test keeps them
 * equal). Written out so this module does not load the vault's curve code, and nothing is awaited before the prompt.
 */
export const PRF_SALT_HEX: Hex = "0x86d01d1ac429c4c6923b1b1ecee65eda4bec93ab4f6af3b38a1f09311ce03d23";

/** What creating a passkey gives: its id, its public key, and whether the authenticator can give an encryption key. */
export interface CreatedPasskey {
  /** base64url, as WebAuthn's `rawId`. */
  credentialId: string;
  x: Hex;
  y: Hex;
  /**
   * true: the authenticator evaluates the PRF extension (the patient gets an encryption key); false: it does not;
   * undefined: the browser did not say (it is known at the first assertion).
   */
  prf: boolean | undefined;
  /** The PRF output for PRF_SALT when the authenticator already gave it while creating (Chromium does). */
  prfOutput?: Uint8Array<ArrayBuffer>;
}

/** One passkey signature, as WebAuthn returns it; the account's signature encoding is built from it. */
export interface PasskeyAssertion {
  credentialId: string;
  authenticatorData: Hex;
  /** The JSON text the authenticator signed (with the challenge in base64url). */
  clientDataJSON: string;
  /** ASN.1 DER ECDSA signature. */
  signature: Hex;
  userHandle?: Hex;
  /** The PRF output for PRF_SALT when asked for and the authenticator supports it. */
  prfOutput?: Uint8Array<ArrayBuffer>;
}

const P256_SPKI_PREFIX = "3059301306072a8648ce3d020106082a8648ce3d030107034200";

/** The P-256 public key (x, y) of a 91-byte SubjectPublicKeyInfo, as `AuthenticatorAttestationResponse.getPublicKey()`. */
export function publicKeyFromSpki(spki: Uint8Array): { x: Hex; y: Hex } {
  const hex = bytesToHex(spki).slice(2);
  if (spki.length !== 91 || !hex.startsWith(P256_SPKI_PREFIX) || spki[26] !== 0x04) {
    throw new PasskeyError("The passkey's public key is not an uncompressed P-256 key.");
  }
  return { x: bytesToHex(spki.slice(27, 59)), y: bytesToHex(spki.slice(59, 91)) };
}

/** Whether this browser can create passkeys at all (a secure context with WebAuthn). */
export function passkeysAvailable(): boolean {
  return typeof window !== "undefined" && window.isSecureContext && typeof window.PublicKeyCredential === "function";
}

/** A browser's refusal (a DOMException) in plain words; cancelling becomes code 4001, as a wallet's "no" does. */
export function describeCeremonyError(error: unknown, doing: "create" | "sign"): PasskeyError {
  if (error instanceof PasskeyError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (name === "NotAllowedError" || name === "AbortError") {
    return new PasskeyError(
      doing === "create"
        ? "You cancelled creating the passkey, or it timed out. Nothing was created."
        : "You cancelled the passkey prompt, or it timed out. Nothing was signed and nothing changed.",
      { code: 4001, cause: error },
    );
  }
  if (name === "InvalidStateError") {
    return new PasskeyError("This device already holds a MedConsent passkey for you: use it instead.", {
      cause: error,
    });
  }
  if (name === "SecurityError") {
    return new PasskeyError("Passkeys work only on the portal's own secure address (https, or localhost).", {
      cause: error,
    });
  }
  if (name === "NotSupportedError") {
    return new PasskeyError("This device or browser cannot make a passkey of the kind MedConsent needs (P-256).", {
      cause: error,
    });
  }
  return new PasskeyError(`The passkey prompt failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

type PrfResults = { prf?: { enabled?: boolean; results?: { first?: ArrayBuffer } } };
const prfInput = () =>
  ({ prf: { eval: { first: Uint8Array.from(hexToBytes(PRF_SALT_HEX)) } } }) as AuthenticationExtensionsClientInputs;
const bytes = (buffer: ArrayBuffer) => new Uint8Array(buffer.slice(0));

/**
 * Creates a discoverable passkey (resident key, user verification) for a new patient account, asking for the PRF
 * extension. `userName` is what the device's passkey list shows.
 */
export async function createPasskey({
  userName,
  userId,
}: {
  userName: string;
  /**
   * The WebAuthn user handle, returned by every later assertion. For a passkey added to an existing account it is the
   * account's 20 bytes, so another device finds the account from the passkey alone; random for a new account.
   */
  userId?: Uint8Array<ArrayBuffer>;
}): Promise<CreatedPasskey> {
  let credential: PublicKeyCredential;
  try {
    credential = (await navigator.credentials.create({
      publicKey: {
        rp: { name: "MedConsent" },
        user: { id: userId ?? crypto.getRandomValues(new Uint8Array(16)), name: userName, displayName: userName },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [{ type: "public-key", alg: ES256 }],
        authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
        attestation: "none",
        extensions: prfInput(),
      },
    })) as PublicKeyCredential;
  } catch (error) {
    throw describeCeremonyError(error, "create");
  }
  const response = credential.response as AuthenticatorAttestationResponse;
  if (response.getPublicKeyAlgorithm?.() !== ES256) {
    throw new PasskeyError("This device made a passkey of another kind than P-256, which the account cannot verify.");
  }
  const spki = response.getPublicKey?.();
  if (!spki) throw new PasskeyError("This browser is too old to read a new passkey's public key: update it.");
  const { prf } = credential.getClientExtensionResults() as PrfResults;
  const first = prf?.results?.first;
  return {
    credentialId: toBase64Url(bytes(credential.rawId)),
    ...publicKeyFromSpki(bytes(spki)),
    prf: first !== undefined ? true : prf?.enabled,
    ...(first !== undefined ? { prfOutput: bytes(first) } : {}),
  };
}

/**
 * Asks a passkey to sign `challenge` (32 bytes). With `credentialId`, only that passkey is offered; without, the
 * device lists the patient's MedConsent passkeys (discoverable). With `prf`, the PRF output comes back too.
 */
export async function getAssertion({
  challenge,
  credentialId,
  prf = false,
}: {
  challenge: Hex;
  credentialId?: string;
  prf?: boolean;
}): Promise<PasskeyAssertion> {
  const challengeBytes = hexToBytes(challenge);
  if (challengeBytes.length !== 32) throw new PasskeyError("A passkey challenge is 32 bytes.");
  let credential: PublicKeyCredential | null;
  try {
    credential = (await navigator.credentials.get({
      publicKey: {
        challenge: Uint8Array.from(challengeBytes),
        userVerification: "required",
        ...(credentialId ? { allowCredentials: [{ type: "public-key", id: fromBase64Url(credentialId) }] } : {}),
        ...(prf ? { extensions: prfInput() } : {}),
      },
    })) as PublicKeyCredential | null;
  } catch (error) {
    throw describeCeremonyError(error, "sign");
  }
  if (credential === null) throw new PasskeyError("No passkey answered.", { code: 4001 });
  const response = credential.response as AuthenticatorAssertionResponse;
  const first = (credential.getClientExtensionResults() as PrfResults).prf?.results?.first;
  return {
    credentialId: toBase64Url(bytes(credential.rawId)),
    authenticatorData: bytesToHex(bytes(response.authenticatorData)),
    clientDataJSON: new TextDecoder().decode(response.clientDataJSON),
    signature: bytesToHex(bytes(response.signature)),
    ...(response.userHandle ? { userHandle: bytesToHex(bytes(response.userHandle)) } : {}),
    ...(first !== undefined ? { prfOutput: bytes(first) } : {}),
  };
}
