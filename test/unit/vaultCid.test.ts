import { expect } from "chai";
import { createHash } from "node:crypto";
import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import { base32upper } from "multiformats/bases/base32";
import * as Digest from "multiformats/hashes/digest";
import { cidOfHash, hashOfCid, isRecordCid, VaultError } from "@/lib/vault";
import { fromBase64Url, toBase64Url } from "@/lib/vault/encoding";
import { NOT_SHA256_HASHES } from "@/test/helpers/testBytes";

const EMPTY_SHA256 = "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const EMPTY_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const sha256 = (text: string) => createHash("sha256").update(text).digest();
const hexOf = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString("hex")}`;

describe("vault/cid", function () {
  it("spells the well-known CID of the empty raw block", function () {
    expect(cidOfHash(EMPTY_SHA256)).to.equal(EMPTY_CID);
    expect(hashOfCid(EMPTY_CID)).to.equal(EMPTY_SHA256);
    expect(isRecordCid(EMPTY_CID)).to.equal(true);
  });

  it("round-trips many hashes, in either letter case, as lowercase content hashes", function () {
    for (let i = 0; i < 100; i++) {
      const hash = hexOf(sha256(`record ${i}`));
      const cid = cidOfHash(hash);
      expect(cid).to.match(/^bafkrei[a-z2-7]{52}$/);
      expect(cidOfHash(`0x${hash.slice(2).toUpperCase()}`)).to.equal(cid);
      expect(hashOfCid(cid)).to.equal(hash);
      expect(CID.parse(cid).toString()).to.equal(cid);
    }
  });

  it("refuses to make a CID from anything but a 32-byte hex hash", function () {
    for (const input of NOT_SHA256_HASHES)
      expect(() => cidOfHash(input), input).to.throw(
        VaultError,
        "A SHA-256 content hash is 0x and 64 hexadecimal digits.",
      );
  });

  it("rejects CIDv0, other codecs, other hashes, other spellings and garbage", function () {
    const digest = Digest.create(0x12, sha256("x"));
    const good = CID.create(1, 0x55, digest);
    const rejected: [string, string][] = [
      ["CIDv0", CID.createV0(digest).toString()],
      ["CIDv0 literal", "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"],
      ["dag-pb codec", CID.create(1, 0x70, digest).toString()],
      ["json codec", CID.create(1, 0x0200, digest).toString()],
      ["sha2-512", CID.create(1, 0x55, Digest.create(0x13, new Uint8Array(64))).toString()],
      ["identity hash", CID.create(1, 0x55, Digest.create(0x00, new Uint8Array(32))).toString()],
      ["short sha2-256", CID.create(1, 0x55, Digest.create(0x12, new Uint8Array(20))).toString()],
      ["base58btc spelling", good.toString(base58btc)],
      ["upper-case base32", good.toString(base32upper)],
      ["empty", ""],
      ["prefix only", "bafkrei"],
      ["truncated", good.toString().slice(0, -1)],
      ["extra character", `${good.toString()}a`],
      ["word", "hello"],
      ["whitespace", ` ${good.toString()}`],
    ];
    expect(isRecordCid(good.toString())).to.equal(true);
    for (const [name, text] of rejected) {
      expect(isRecordCid(text), name).to.equal(false);
      expect(() => hashOfCid(text), name).to.throw(VaultError);
    }
    expect(() => hashOfCid(CID.createV0(digest).toString())).to.throw("not CIDv0");
  });
});

describe("vault/encoding base64url", function () {
  it("matches Node's base64url for every length up to 70 bytes and round-trips", function () {
    for (let length = 0; length <= 70; length++) {
      const data = Buffer.concat([0, 1, 2].map((i) => sha256(`${length}/${i}`))).subarray(0, length);
      const text = toBase64Url(data);
      expect(text, `${length}`).to.equal(data.toString("base64url"));
      expect(Buffer.from(fromBase64Url(text)).equals(data), `${length}`).to.equal(true);
    }
  });

  it("rejects padding, the standard alphabet, whitespace, impossible lengths and non-canonical endings", function () {
    for (const text of ["AA==", "AAA=", "+w", "/w", "AA A", " AA", "AA\n", "A", "AAAAA", "AB", "AAB", "é"])
      expect(() => fromBase64Url(text), JSON.stringify(text)).to.throw(VaultError);
    expect(fromBase64Url("")).to.have.length(0);
    expect(Array.from(fromBase64Url("_w"))).to.deep.equal([255]);
  });
});
