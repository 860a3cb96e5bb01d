import { expect } from "chai";
import { createHash, hkdfSync } from "node:crypto";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { getAddress, verifyTypedData, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  decryptRecord,
  deriveEncryptionKeyPair,
  encryptionKeyTypedData,
  encryptRecord,
  isEncryptionPublicKey,
  KEY_DERIVATION_PURPOSE,
  publicKeyFromHex,
  publicKeyToHex,
  unwrapRecordKey,
  VaultError,
  WRAPPED_KEY_LENGTH,
  wrapRecordKey,
} from "@/lib/vault";

// Hardhat accounts #1 and #2: well-known test keys.
const PATIENT = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const DOCTOR = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const CHAIN_ID = 31337;

const hashOf = (text: string): Hex => `0x${createHash("sha256").update(text).digest("hex")}`;
const keyPairFrom = (seed: string) => {
  const secretKey = Uint8Array.from(createHash("sha256").update(seed).digest());
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
};
const RECORD_HASH = hashOf("ciphertext of record 1");
const RECORD_KEY = Uint8Array.from(createHash("sha256").update("record key 1").digest());

describe("vault/keyWrap", function () {
  const reader = keyPairFrom("reader");

  it("unwraps what it wrapped, 105 bytes starting with version 1, different every time", function () {
    const wrapped = wrapRecordKey(RECORD_KEY, reader.publicKey, RECORD_HASH);
    expect(WRAPPED_KEY_LENGTH).to.equal(105);
    expect(wrapped).to.have.length(105);
    expect(wrapped[0]).to.equal(1);
    expect(Array.from(unwrapRecordKey(wrapped, reader.secretKey, RECORD_HASH))).to.deep.equal(Array.from(RECORD_KEY));
    const again = wrapRecordKey(RECORD_KEY, reader.publicKey, RECORD_HASH);
    expect(Buffer.from(again).equals(wrapped)).to.equal(false);
    // The content hash is bound in either letter case (the bytes, not the spelling).
    const upper: Hex = `0x${RECORD_HASH.slice(2).toUpperCase()}`;
    expect(Array.from(unwrapRecordKey(wrapped, reader.secretKey, upper))).to.deep.equal(Array.from(RECORD_KEY));
  });

  it("carries a record key from the patient's encryption to a reader's decryption", async function () {
    const sealed = await encryptRecord({ bytes: new Uint8Array([1, 2, 3]), name: "x.bin", type: "" });
    const wrapped = wrapRecordKey(sealed.recordKey, reader.publicKey, sealed.contentHash);
    const recordKey = unwrapRecordKey(wrapped, reader.secretKey, sealed.contentHash);
    expect(Array.from((await decryptRecord(sealed.ciphertext, recordKey)).bytes)).to.deep.equal([1, 2, 3]);
  });

  it("follows the documented format: 0x01 || ephemeral key || nonce || sealed, kek from HKDF-SHA256", function () {
    const wrapped = wrapRecordKey(RECORD_KEY, reader.publicKey, RECORD_HASH);
    const ephemeral = wrapped.subarray(1, 33);
    const shared = x25519.getSharedSecret(reader.secretKey, ephemeral);
    const salt = Buffer.concat([ephemeral, reader.publicKey]);
    const kek = new Uint8Array(hkdfSync("sha256", shared, salt, "MedConsent record key wrap v1", 32));
    const aad = Buffer.from(RECORD_HASH.slice(2), "hex");
    const opened = xchacha20poly1305(kek, wrapped.subarray(33, 57), aad).decrypt(wrapped.subarray(57));
    expect(Array.from(opened)).to.deep.equal(Array.from(RECORD_KEY));
  });

  describe("Validations", function () {
    const wrapped = wrapRecordKey(RECORD_KEY, reader.publicKey, RECORD_HASH);

    it("fails for another recipient", function () {
      expect(() => unwrapRecordKey(wrapped, keyPairFrom("someone else").secretKey, RECORD_HASH)).to.throw(
        VaultError,
        "could not be unlocked",
      );
    });

    it("fails for another record (the content hash is the associated data)", function () {
      expect(() => unwrapRecordKey(wrapped, reader.secretKey, hashOf("another record"))).to.throw(
        VaultError,
        "could not be unlocked",
      );
    });

    it("fails when any byte was changed", function () {
      for (let index = 1; index < WRAPPED_KEY_LENGTH; index += 7) {
        const tampered = wrapped.slice();
        tampered[index] ^= 0x01;
        expect(() => unwrapRecordKey(tampered, reader.secretKey, RECORD_HASH), `byte ${index}`).to.throw(VaultError);
      }
    });

    it("rejects a wrong length or version", function () {
      expect(() => unwrapRecordKey(wrapped.subarray(0, 104), reader.secretKey, RECORD_HASH)).to.throw(
        VaultError,
        "105 bytes",
      );
      const longer = new Uint8Array(106);
      longer.set(wrapped);
      expect(() => unwrapRecordKey(longer, reader.secretKey, RECORD_HASH)).to.throw(VaultError, "105 bytes");
      const version2 = wrapped.slice();
      version2[0] = 2;
      expect(() => unwrapRecordKey(version2, reader.secretKey, RECORD_HASH)).to.throw(VaultError, "version 2");
    });

    it("rejects malformed keys and hashes when wrapping", function () {
      expect(() => wrapRecordKey(RECORD_KEY.subarray(0, 16), reader.publicKey, RECORD_HASH)).to.throw(VaultError);
      expect(() => wrapRecordKey(RECORD_KEY, reader.publicKey.subarray(1), RECORD_HASH)).to.throw(VaultError);
      expect(() => wrapRecordKey(RECORD_KEY, new Uint8Array(32), RECORD_HASH)).to.throw(VaultError, "not usable");
      expect(() => wrapRecordKey(RECORD_KEY, reader.publicKey, "0x1234")).to.throw(VaultError, "content hash");
    });
  });
});

describe("vault/encryptionKey", function () {
  const SIGNATURE: Hex = `0x${"ab".repeat(65)}`;

  it("derives the same key pair from the same signature, and a public key that matches x25519", function () {
    const a = deriveEncryptionKeyPair(SIGNATURE, PATIENT.address);
    const b = deriveEncryptionKeyPair(SIGNATURE, PATIENT.address);
    expect(a.secretKey).to.have.length(32);
    expect(Array.from(a.secretKey)).to.deep.equal(Array.from(b.secretKey));
    expect(Array.from(a.publicKey)).to.deep.equal(Array.from(x25519.getPublicKey(a.secretKey)));
    expect(a.publicKeyHex).to.equal(publicKeyToHex(a.publicKey));
    expect(isEncryptionPublicKey(a.publicKeyHex)).to.equal(true);
    expect(Array.from(publicKeyFromHex(a.publicKeyHex))).to.deep.equal(Array.from(a.publicKey));
    // The account's letter case does not matter: its 20 bytes are the HKDF info.
    const lower = deriveEncryptionKeyPair(SIGNATURE, PATIENT.address.toLowerCase() as Hex);
    expect(lower.publicKeyHex).to.equal(a.publicKeyHex);
  });

  it('is HKDF-SHA256(signature, salt "MedConsent X25519 v1", info = the account\'s 20 bytes)', function () {
    const expected = hkdfSync(
      "sha256",
      Buffer.from(SIGNATURE.slice(2), "hex"),
      "MedConsent X25519 v1",
      Buffer.from(PATIENT.address.slice(2), "hex"),
      32,
    );
    const derived = deriveEncryptionKeyPair(SIGNATURE, PATIENT.address);
    expect(Buffer.from(derived.secretKey).equals(Buffer.from(expected))).to.equal(true);
  });

  it("derives different keys for different accounts or signatures", function () {
    const keys = new Set([
      deriveEncryptionKeyPair(SIGNATURE, PATIENT.address).publicKeyHex,
      deriveEncryptionKeyPair(SIGNATURE, DOCTOR.address).publicKeyHex,
      deriveEncryptionKeyPair(`0x${"ab".repeat(64)}ac`, PATIENT.address).publicKeyHex,
      deriveEncryptionKeyPair(`0x${"cd".repeat(65)}`, PATIENT.address).publicKeyHex,
    ]);
    expect(keys.size).to.equal(4);
  });

  it("builds the fixed EIP-712 message that a viem account signs and verifies", async function () {
    const typedData = encryptionKeyTypedData(PATIENT.address, CHAIN_ID);
    expect(typedData.domain).to.deep.equal({ name: "MedConsent", version: "1", chainId: CHAIN_ID });
    expect(typedData.primaryType).to.equal("EncryptionKey");
    expect(typedData.message).to.deep.equal({ purpose: KEY_DERIVATION_PURPOSE, account: PATIENT.address });
    const signature = await PATIENT.signTypedData(typedData);
    expect(await verifyTypedData({ ...typedData, address: PATIENT.address, signature })).to.equal(true);
  });

  it("gives a wallet with deterministic signatures the same key every session", async function () {
    const typedData = encryptionKeyTypedData(PATIENT.address, CHAIN_ID);
    const first = deriveEncryptionKeyPair(await PATIENT.signTypedData(typedData), PATIENT.address);
    const second = deriveEncryptionKeyPair(await PATIENT.signTypedData(typedData), PATIENT.address);
    expect(second.publicKeyHex).to.equal(first.publicKeyHex);
    const doctor = deriveEncryptionKeyPair(
      await DOCTOR.signTypedData(encryptionKeyTypedData(DOCTOR.address, CHAIN_ID)),
      DOCTOR.address,
    );
    expect(doctor.publicKeyHex).to.not.equal(first.publicKeyHex);
    // And the derived keys work for wrapping.
    const wrapped = wrapRecordKey(RECORD_KEY, doctor.publicKey, RECORD_HASH);
    expect(Array.from(unwrapRecordKey(wrapped, doctor.secretKey, RECORD_HASH))).to.deep.equal(Array.from(RECORD_KEY));
    expect(() => unwrapRecordKey(wrapped, first.secretKey, RECORD_HASH)).to.throw(VaultError);
  });

  it("rejects signatures and accounts that cannot be right", function () {
    for (const signature of ["0x", "0x1234", `0x${"ab".repeat(63)}`, `0x${"ab".repeat(65)}a`, `0x${"zz".repeat(65)}`])
      expect(() => deriveEncryptionKeyPair(signature as Hex, PATIENT.address), signature).to.throw(VaultError);
    expect(() => deriveEncryptionKeyPair(SIGNATURE, "0x1234")).to.throw(VaultError, "address");
  });

  it("accepts as a published key only 32 non-zero bytes", function () {
    expect(isEncryptionPublicKey(`0x${"0".repeat(64)}`)).to.equal(false);
    expect(isEncryptionPublicKey("0x1234")).to.equal(false);
    expect(() => publicKeyFromHex(`0x${"0".repeat(64)}`)).to.throw(VaultError, "has not published");
    expect(() => publicKeyFromHex("0x12")).to.throw(VaultError);
    expect(() => publicKeyToHex(new Uint8Array(31))).to.throw(VaultError);
    expect(getAddress(PATIENT.address)).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  });
});
