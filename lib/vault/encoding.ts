// Byte encodings shared by the vault, the gateway and the portal: strict base64url (RFC 4648 §5, no padding) and
// fixed-length hex. No Node Buffer, so the same code runs in the browser.
import { bytesToHex, hexToBytes, isHex, type Hex } from "viem";
import { VaultError } from "./errors";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUE_OF = new Map(Array.from(ALPHABET, (char, value) => [char, value]));

/** Base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63];
  }
  return out;
}

/**
 * Base64url to bytes, strictly: only the url-safe alphabet, no padding, no whitespace, and the canonical form only
 * (unused trailing bits zero), so every byte string has exactly one accepted spelling.
 */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 === 1) throw new VaultError("Not valid base64url: the length is impossible.");
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const char of text) {
    const sextet = VALUE_OF.get(char);
    if (sextet === undefined) throw new VaultError("Not valid base64url: only A-Z, a-z, 0-9, '-' and '_' are allowed.");
    value = ((value << 6) | sextet) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >>> bits) & 0xff;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0)
    throw new VaultError("Not valid base64url: the last character is not canonical.");
  return out;
}

/** 0x-prefixed lowercase hex of the bytes. */
export const toHex = (bytes: Uint8Array): Hex => bytesToHex(bytes);

/** Bytes of a 0x hex string of exactly `length` bytes; `what` names the value in the error. */
export function fixedBytesOfHex(hex: string, length: number, what: string): Uint8Array {
  if (!isHex(hex, { strict: true }) || hex.length !== 2 + 2 * length)
    throw new VaultError(`${what} is 0x and ${2 * length} hexadecimal digits.`);
  return hexToBytes(hex);
}
