import { expect } from "chai";
import { createHash } from "node:crypto";
import { cidOfHash, decryptRecord, encryptRecord, VaultError, type RecordFile } from "@/lib/vault";
import { pseudoRandomBytes } from "@/test/helpers/testBytes";

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
const LAB_RESULT: RecordFile = {
  bytes: new TextEncoder().encode('{"resourceType":"Observation","status":"final"}'),
  name: "lab-result.json",
  type: "application/fhir+json",
};

describe("vault/recordCipher", function () {
  describe("round trip", function () {
    const files: [string, RecordFile][] = [
      ["empty file", { bytes: new Uint8Array(), name: "empty.txt", type: "text/plain" }],
      ["one byte", { bytes: new Uint8Array([0x2a]), name: "a", type: "" }],
      ["1 MB", { bytes: pseudoRandomBytes(1_000_000, 1), name: "scan.png", type: "image/png" }],
      ["10 MiB", { bytes: pseudoRandomBytes(10 << 20, 2), name: "mri.pdf", type: "application/pdf" }],
      [
        "unicode name",
        { bytes: pseudoRandomBytes(1000, 3), name: "Befund Müller – 血液検査 🩺.pdf", type: "application/pdf" },
      ],
      [
        "a view into a larger buffer",
        { bytes: pseudoRandomBytes(5000, 4).subarray(123, 4123), name: "view.bin", type: "" },
      ],
    ];
    for (const [title, file] of files) {
      it(`decrypts what it encrypted: ${title}`, async function () {
        const sealed = await encryptRecord(file);
        const header = new TextEncoder().encode(JSON.stringify({ name: file.name, type: file.type }));
        expect(sealed.ciphertext.length).to.equal(1 + 12 + 4 + header.length + file.bytes.length + 16);
        expect(sealed.ciphertext[0]).to.equal(1);
        expect(sealed.recordKey).to.have.length(32);
        const opened = await decryptRecord(sealed.ciphertext, sealed.recordKey);
        expect(opened.name).to.equal(file.name);
        expect(opened.type).to.equal(file.type);
        expect(same(opened.bytes, file.bytes)).to.equal(true);
      });
    }
  });

  it("names the ciphertext by the SHA-256 of the whole blob and its CID", async function () {
    const sealed = await encryptRecord(LAB_RESULT);
    const expected = `0x${createHash("sha256").update(sealed.ciphertext).digest("hex")}`;
    expect(sealed.contentHash).to.equal(expected);
    expect(sealed.cid).to.equal(cidOfHash(expected));
  });

  it("uses a fresh key and IV every time, so the same file never gives the same blob", async function () {
    const [a, b] = [await encryptRecord(LAB_RESULT), await encryptRecord(LAB_RESULT)];
    expect(same(a.recordKey, b.recordKey)).to.equal(false);
    expect(same(a.ciphertext.subarray(1, 13), b.ciphertext.subarray(1, 13))).to.equal(false);
    expect(a.contentHash).to.not.equal(b.contentHash);
  });

  it("keeps the file name and type out of the ciphertext", async function () {
    const sealed = await encryptRecord(LAB_RESULT);
    expect(Buffer.from(sealed.ciphertext).includes("lab-result")).to.equal(false);
    expect(Buffer.from(sealed.ciphertext).includes("Observation")).to.equal(false);
  });

  describe("Validations", function () {
    it("fails with the wrong key", async function () {
      const sealed = await encryptRecord(LAB_RESULT);
      const wrongKey = sealed.recordKey.slice();
      wrongKey[0] ^= 1;
      await expectVaultError(decryptRecord(sealed.ciphertext, wrongKey), "could not be decrypted");
      await expectVaultError(decryptRecord(sealed.ciphertext, new Uint8Array(16)), "32 bytes");
    });

    it("fails when any byte was changed: version, IV, body or tag", async function () {
      const sealed = await encryptRecord(LAB_RESULT);
      const last = sealed.ciphertext.length - 1;
      for (const index of [1, 12, 13, 20, last - 16, last - 15, last]) {
        const tampered = sealed.ciphertext.slice();
        tampered[index] ^= 0x80;
        await expectVaultError(decryptRecord(tampered, sealed.recordKey), "could not be decrypted", `byte ${index}`);
      }
      const otherVersion = sealed.ciphertext.slice();
      otherVersion[0] = 2;
      await expectVaultError(decryptRecord(otherVersion, sealed.recordKey), "unknown format");
    });

    it("fails when the file was cut short or extended", async function () {
      const sealed = await encryptRecord(LAB_RESULT);
      for (const length of [0, 1, 13, 28, 29, sealed.ciphertext.length - 1]) {
        await expectVaultError(
          decryptRecord(sealed.ciphertext.subarray(0, length), sealed.recordKey),
          undefined,
          `length ${length}`,
        );
      }
      const extended = new Uint8Array(sealed.ciphertext.length + 1);
      extended.set(sealed.ciphertext);
      await expectVaultError(decryptRecord(extended, sealed.recordKey), "could not be decrypted");
    });
  });
});

async function expectVaultError(promise: Promise<unknown>, message?: string, label?: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(error, label).to.be.instanceOf(VaultError);
  if (message) expect((error as Error).message, label).to.include(message);
}
