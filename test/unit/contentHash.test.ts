import { expect } from "chai";
import { isContentHash, sha256OfFile } from "@/lib/contentHash";
import { cidOfHash } from "@/lib/vault/cid";
import { contentHash as nodeContentHash, contentUri } from "@/harness/contentUri";
import { NOT_SHA256_HASHES, pseudoRandomBytes } from "@/test/helpers/testBytes";

const FILES: [string, Uint8Array<ArrayBuffer>][] = [
  ["empty", new Uint8Array()],
  ["one byte", new Uint8Array([0])],
  ["text", new TextEncoder().encode("Lab result: HbA1c 5.4 % (Riverside Laboratory, 15 Jan 2026)")],
  ["1 KiB", pseudoRandomBytes(1024, 1)],
  ["odd size", pseudoRandomBytes(1021, 2)],
  ["1 MiB", pseudoRandomBytes(1 << 20, 3)],
];

describe("contentHash (browser hashing matches the Node helper)", function () {
  it("hashes with SHA-256 like harness/contentUri.ts, from bytes, an ArrayBuffer or a Blob", async function () {
    for (const [name, file] of FILES) {
      const expected = nodeContentHash(file);
      expect(await sha256OfFile(file), name).to.equal(expected);
      expect(await sha256OfFile(file.slice().buffer), name).to.equal(expected);
      expect(await sha256OfFile(new Blob([file])), name).to.equal(expected);
      expect(isContentHash(expected), name).to.equal(true);
    }
    expect(await sha256OfFile(new Uint8Array())).to.equal(
      "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("hashes only the bytes a view covers, as with a Node Buffer slice", async function () {
    const whole = pseudoRandomBytes(4096, 4);
    const view = whole.subarray(100, 1100);
    expect(await sha256OfFile(view)).to.equal(nodeContentHash(whole.slice(100, 1100)));
    expect(await sha256OfFile(Buffer.from(whole).subarray(7, 77))).to.equal(nodeContentHash(whole.slice(7, 77)));
  });

  it("gives the same CIDv1 as the Node helper: bafkrei…, 59 characters", async function () {
    for (const [name, file] of FILES) {
      const hash = await sha256OfFile(file);
      const cid = cidOfHash(hash);
      expect(cid, name).to.equal(contentUri(file));
      expect(cid, name).to.match(/^bafkrei[a-z2-7]{52}$/);
    }
    // The well-known CID of the empty raw block.
    expect(cidOfHash("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")).to.equal(
      "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    );
  });

  it("agrees with the Node helper on many hashes, and ignores the hash's letter case", function () {
    for (let seed = 0; seed < 64; seed++) {
      const bytes = pseudoRandomBytes(seed, seed);
      const hash = nodeContentHash(bytes);
      expect(cidOfHash(hash), hash).to.equal(contentUri(bytes));
      expect(cidOfHash(`0x${hash.slice(2).toUpperCase()}`)).to.equal(cidOfHash(hash));
    }
  });

  it("refuses to make a CID from anything but a SHA-256 hash", function () {
    for (const input of NOT_SHA256_HASHES) {
      expect(() => cidOfHash(input as `0x${string}`), input).to.throw(
        "A SHA-256 content hash is 0x and 64 hexadecimal digits.",
      );
    }
  });

  it("accepts as a content hash only 0x and 64 hex digits, not all zero", function () {
    expect(isContentHash(`0x${"A1".repeat(32)}`)).to.equal(true);
    for (const input of [
      `0x${"0".repeat(64)}`,
      "0x1234",
      "a1".repeat(32),
      `0x${"a1".repeat(32)}00`,
      `0x${"zz".repeat(32)}`,
    ]) {
      expect(isContentHash(input), input).to.equal(false);
    }
  });
});

describe("contentHash.cidOfHash (multiformats) against a hand-written CIDv1 encoder", function () {
  const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
  // The encoder this module used before it delegated to multiformats: base32 of 0x01 0x55 0x12 0x20 || digest.
  function referenceCid(hash: string): string {
    const bytes = [0x01, 0x55, 0x12, 0x20, ...Buffer.from(hash.slice(2), "hex")];
    let bits = 0;
    let value = 0;
    let out = "b";
    for (const byte of bytes) {
      value = ((value << 8) | byte) & 0xffff;
      bits += 8;
      while (bits >= 5) {
        out += BASE32[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
    return out;
  }

  it("spells every hash the same way", function () {
    for (let seed = 0; seed < 64; seed++) {
      const hash = nodeContentHash(pseudoRandomBytes(seed * 3, seed)) as `0x${string}`;
      expect(cidOfHash(hash), hash).to.equal(referenceCid(hash));
    }
  });
});
