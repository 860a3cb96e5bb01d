// FHIR logical ids of MedConsent's Consents: the 40 bytes patient||grantee in base64 with the alphabet A-Z a-z 0-9
// "-" "." (FHIR ids allow [A-Za-z0-9\-\.]{1,64}), no padding: 54 characters, reversible, so a Consent's id names its
// (patient, grantee) pair without any lookup table. An emergency access is "emergency-" + the same (64 characters).
import { getAddress, type Address } from "viem";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.";
const PAIR_BYTES = 40;
/** ceil(40 * 8 / 6) */
export const CONSENT_ID_LENGTH = 54;
export const EMERGENCY_PREFIX = "emergency-";

export interface ConsentPair {
  patient: Address;
  grantee: Address;
}

export interface ParsedConsentId extends ConsentPair {
  emergency: boolean;
}

function encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(buffer >> bits) & 63];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (6 - bits)) & 63];
  return out;
}

/** The bytes of a canonical encoding (unused trailing bits zero), or undefined. */
function decode(text: string, length: number): Uint8Array | undefined {
  const bytes = new Uint8Array(length);
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return undefined;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (at >= length) return undefined;
      bytes[at++] = (buffer >> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  return at === length && buffer === 0 ? bytes : undefined;
}

const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function bytesOfAddress(address: Address): Uint8Array {
  const hex = address.slice(2);
  return Uint8Array.from({ length: 20 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

/** The Consent id of a (patient, grantee) pair. */
export function consentId(pair: ConsentPair): string {
  const bytes = new Uint8Array(PAIR_BYTES);
  bytes.set(bytesOfAddress(pair.patient), 0);
  bytes.set(bytesOfAddress(pair.grantee), 20);
  return encode(bytes);
}

/** The id of the Consent that stands for a provider's emergency access to a patient's data. */
export const emergencyConsentId = (pair: ConsentPair) => `${EMERGENCY_PREFIX}${consentId(pair)}`;

/** The pair (checksummed) an id stands for; undefined for anything that is not one of these ids. */
export function parseConsentId(id: string): ParsedConsentId | undefined {
  const emergency = id.startsWith(EMERGENCY_PREFIX);
  const body = emergency ? id.slice(EMERGENCY_PREFIX.length) : id;
  if (body.length !== CONSENT_ID_LENGTH) return undefined;
  const bytes = decode(body, PAIR_BYTES);
  if (bytes === undefined) return undefined;
  return {
    patient: getAddress(`0x${hexOf(bytes.subarray(0, 20))}`),
    grantee: getAddress(`0x${hexOf(bytes.subarray(20))}`),
    emergency,
  };
}
