// Which passkey made an assertion, from the assertion alone: WebAuthn returns no public key when signing, so a device
// that only knows the account (from the passkey's user handle) recovers the two candidate keys from the ECDSA
// signature and asks the account which one is its passkey.
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { hexToBytes, numberToHex, type Hex } from "viem";
import { toBase64Url } from "@/lib/vault/encoding";

/**
 * The two P-256 public keys that could have made this assertion's signature (ECDSA public key recovery): the message
 * is sha256(authenticatorData ‖ sha256(clientDataJSON)), and the clientDataJSON must carry `challenge`.
 */
export function recoverPublicKeys(
  assertion: { authenticatorData: Hex; clientDataJSON: string; signature: Hex },
  challenge: Hex,
): { x: Hex; y: Hex }[] {
  const clientData = JSON.parse(assertion.clientDataJSON) as { challenge?: string };
  if (clientData.challenge !== toBase64Url(hexToBytes(challenge))) return [];
  const digest = sha256(
    concatBytes(hexToBytes(assertion.authenticatorData), sha256(utf8ToBytes(assertion.clientDataJSON))),
  );
  const signature = p256.Signature.fromBytes(hexToBytes(assertion.signature), "der");
  return [0, 1].flatMap((recovery) => {
    try {
      const point = signature.addRecoveryBit(recovery).recoverPublicKey(digest).toAffine();
      return [{ x: numberToHex(point.x, { size: 32 }), y: numberToHex(point.y, { size: 32 }) }];
    } catch {
      return [];
    }
  });
}
