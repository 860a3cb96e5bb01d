// The encryption key of a passkey account, from its passkey's PRF output: deterministic, bound to the account, and
// apart from the wallet-derived key.
import { expect } from "chai";
import { createHash, hkdfSync } from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, type Address, type Hex } from "viem";
import {
  deriveEncryptionKeyPair,
  deriveEncryptionKeyPairFromPrf,
  PRF_SALT,
  unwrapRecordKey,
  VaultError,
  wrapRecordKey,
} from "@/lib/vault";

const ACCOUNT: Address = "0x1111111111111111111111111111111111111111";
const OTHER_ACCOUNT: Address = "0x2222222222222222222222222222222222222222";
const prfOf = (seed: string) => Uint8Array.from(createHash("sha256").update(seed).digest());
const PRF = prfOf("passkey one");

describe("vault/encryptionKey from a passkey's PRF", function () {
  it("gives the same key pair for the same PRF output and account", function () {
    const a = deriveEncryptionKeyPairFromPrf(PRF, ACCOUNT);
    const b = deriveEncryptionKeyPairFromPrf(Uint8Array.from(PRF), ACCOUNT);
    expect(bytesToHex(a.secretKey)).to.equal(bytesToHex(b.secretKey));
    expect(a.publicKeyHex).to.equal(b.publicKeyHex);
    expect(bytesToHex(x25519.getPublicKey(a.secretKey))).to.equal(a.publicKeyHex);
  });

  it("gives another key for another account, another PRF output, or the same bytes as a wallet signature", function () {
    const keys = new Set([
      deriveEncryptionKeyPairFromPrf(PRF, ACCOUNT).publicKeyHex,
      deriveEncryptionKeyPairFromPrf(PRF, OTHER_ACCOUNT).publicKeyHex,
      deriveEncryptionKeyPairFromPrf(prfOf("passkey two"), ACCOUNT).publicKeyHex,
      deriveEncryptionKeyPair(bytesToHex(new Uint8Array([...PRF, ...PRF])) as Hex, ACCOUNT).publicKeyHex,
    ]);
    expect(keys.size).to.equal(4);
  });

  it("is HKDF-SHA256 with its own salt and the account as info (an independent implementation agrees)", function () {
    const expected = new Uint8Array(
      hkdfSync("sha256", PRF, "MedConsent X25519 from passkey PRF v1", Buffer.from(ACCOUNT.slice(2), "hex"), 32),
    );
    expect(bytesToHex(deriveEncryptionKeyPairFromPrf(PRF, ACCOUNT).secretKey)).to.equal(bytesToHex(expected));
    // An address's case does not change the key: info is its 20 bytes.
    expect(
      deriveEncryptionKeyPairFromPrf(PRF, ACCOUNT.toUpperCase().replace("0X", "0x") as Address).publicKeyHex,
    ).to.equal(deriveEncryptionKeyPairFromPrf(PRF, ACCOUNT).publicKeyHex);
  });

  it("opens record keys wrapped for its public key", function () {
    const pair = deriveEncryptionKeyPairFromPrf(PRF, ACCOUNT);
    const recordKey = prfOf("record key");
    const contentHash = bytesToHex(prfOf("ciphertext"));
    const wrapped = wrapRecordKey(recordKey, pair.publicKey, contentHash);
    expect(bytesToHex(unwrapRecordKey(wrapped, pair.secretKey, contentHash))).to.equal(bytesToHex(recordKey));
  });

  it('evaluates the PRF with sha256("MedConsent encryption key v1")', function () {
    expect(bytesToHex(PRF_SALT)).to.equal(
      `0x${createHash("sha256").update("MedConsent encryption key v1").digest("hex")}`,
    );
  });

  it("refuses a PRF output that is not 32 bytes, all zero, or a bad account", function () {
    expect(() => deriveEncryptionKeyPairFromPrf(new Uint8Array(31), ACCOUNT)).to.throw(VaultError, "32 bytes");
    expect(() => deriveEncryptionKeyPairFromPrf(new Uint8Array(32), ACCOUNT)).to.throw(VaultError, "empty");
    expect(() => deriveEncryptionKeyPairFromPrf(PRF, "0x1234")).to.throw(VaultError, "address");
  });
});
