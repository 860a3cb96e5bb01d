// Test inputs shared by the unit suites that hash and encrypt record files.

/** Deterministic pseudo-random bytes (a linear congruential generator), so every run hashes the same files. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** Strings that are not a 0x SHA-256 hash: empty, too short or long, without the 0x, or not hexadecimal. */
export const NOT_SHA256_HASHES = [
  "",
  "0x",
  "0x1234",
  `0x${"a".repeat(63)}`,
  `0x${"a".repeat(66)}`,
  "a".repeat(64),
  `0x${"g".repeat(64)}`,
];
