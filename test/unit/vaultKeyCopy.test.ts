// A passkey account's encryption key sealed for an added passkey: only that passkey's PRF output opens it, only for
// the account and credential id it was made for, and only untouched.
import { expect } from "chai";
import { createHash } from "node:crypto";
import type { Address } from "viem";
import {
  deriveEncryptionKeyPairFromPrf,
  fromBase64Url,
  KEY_COPY_CIPHERTEXT_BYTES,
  KEY_COPY_IV_BYTES,
  keyCopyInfo,
  openKeyCopy,
  sealKeyCopy,
  toBase64Url,
  VaultError,
  type SealedKeyCopy,
} from "@/lib/vault";

const ACCOUNT: Address = "0x1111111111111111111111111111111111111111";
const OTHER_ACCOUNT: Address = "0x2222222222222222222222222222222222222222";
const CREDENTIAL = toBase64Url(Uint8Array.from(createHash("sha256").update("credential two").digest()));
const OTHER_CREDENTIAL = toBase64Url(Uint8Array.from(createHash("sha256").update("credential three").digest()));
const prfOf = (seed: string) => Uint8Array.from(createHash("sha256").update(seed).digest());
const FIRST_PRF = prfOf("passkey one");
const NEW_PRF = prfOf("passkey two");
const ACCOUNT_KEY = deriveEncryptionKeyPairFromPrf(FIRST_PRF, ACCOUNT);

async function expectVaultError(promise: Promise<unknown>, words: RegExp) {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(VaultError);
    expect((error as Error).message).to.match(words);
    return;
  }
  expect.fail("expected a VaultError");
}

describe("vault/keyCopy", function () {
  const seal = () => sealKeyCopy(ACCOUNT_KEY.secretKey, NEW_PRF, ACCOUNT, CREDENTIAL);

  it("round-trips: the new passkey's PRF output opens the account's key", async function () {
    const copy = await seal();
    expect(fromBase64Url(copy.iv)).to.have.length(KEY_COPY_IV_BYTES);
    expect(fromBase64Url(copy.ciphertext)).to.have.length(KEY_COPY_CIPHERTEXT_BYTES);
    const opened = await openKeyCopy(copy, NEW_PRF, ACCOUNT, CREDENTIAL, ACCOUNT_KEY.publicKey);
    expect(opened.publicKeyHex).to.equal(ACCOUNT_KEY.publicKeyHex);
    expect(Buffer.from(opened.secretKey).equals(Buffer.from(ACCOUNT_KEY.secretKey))).to.equal(true);
  });

  it("uses a fresh IV for every copy", async function () {
    const [a, b] = await Promise.all([seal(), seal()]);
    expect(a.iv).to.not.equal(b.iv);
    expect(a.ciphertext).to.not.equal(b.ciphertext);
  });

  it("binds the HKDF info to the account and the credential id", function () {
    const info = Buffer.from(keyCopyInfo(ACCOUNT, CREDENTIAL));
    expect(info.subarray(0, 30).toString()).to.equal("MedConsent passkey key copy v1");
    expect(info.equals(Buffer.from(keyCopyInfo(OTHER_ACCOUNT, CREDENTIAL)))).to.equal(false);
    expect(info.equals(Buffer.from(keyCopyInfo(ACCOUNT, OTHER_CREDENTIAL)))).to.equal(false);
    // The address's case does not matter: it is the same account.
    expect(
      info.equals(Buffer.from(keyCopyInfo(ACCOUNT.toUpperCase().replace("0X", "0x") as Address, CREDENTIAL))),
    ).to.equal(true);
  });

  describe("Validations", function () {
    it("refuses another passkey's PRF output", async function () {
      await expectVaultError(
        openKeyCopy(await seal(), FIRST_PRF, ACCOUNT, CREDENTIAL, ACCOUNT_KEY.publicKey),
        /cannot open/,
      );
    });

    it("refuses another account or another credential id", async function () {
      const copy = await seal();
      await expectVaultError(
        openKeyCopy(copy, NEW_PRF, OTHER_ACCOUNT, CREDENTIAL, ACCOUNT_KEY.publicKey),
        /cannot open/,
      );
      await expectVaultError(
        openKeyCopy(copy, NEW_PRF, ACCOUNT, OTHER_CREDENTIAL, ACCOUNT_KEY.publicKey),
        /cannot open/,
      );
    });

    it("refuses a tampered ciphertext or IV", async function () {
      const copy = await seal();
      const flip = (text: string): string => {
        const bytes = fromBase64Url(text);
        bytes[0] ^= 1;
        return toBase64Url(bytes);
      };
      const tampered: SealedKeyCopy[] = [
        { ...copy, ciphertext: flip(copy.ciphertext) },
        { ...copy, iv: flip(copy.iv) },
      ];
      for (const bad of tampered) {
        await expectVaultError(openKeyCopy(bad, NEW_PRF, ACCOUNT, CREDENTIAL, ACCOUNT_KEY.publicKey), /cannot open/);
      }
      await expectVaultError(
        openKeyCopy(
          { ...copy, ciphertext: copy.ciphertext.slice(0, 20) },
          NEW_PRF,
          ACCOUNT,
          CREDENTIAL,
          ACCOUNT_KEY.publicKey,
        ),
        /damaged/,
      );
    });

    it("refuses a copy whose key is not the published one", async function () {
      const other = deriveEncryptionKeyPairFromPrf(prfOf("someone else"), ACCOUNT);
      await expectVaultError(openKeyCopy(await seal(), NEW_PRF, ACCOUNT, CREDENTIAL, other.publicKey), /not the key/);
    });

    it("refuses a PRF output that is not 32 bytes", async function () {
      await expectVaultError(sealKeyCopy(ACCOUNT_KEY.secretKey, NEW_PRF.slice(1), ACCOUNT, CREDENTIAL), /32 bytes/);
    });
  });
});
