import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { vaultFixture } from "@/harness/contracts/vaultFixtures";

// X25519 public keys are 32 opaque bytes; any non-zero word stands in for one here.
const PATIENT_KEY = ethers.id("x25519 public key of the patient");
const ROTATED_KEY = ethers.id("x25519 public key of the patient, rotated");
const READER_KEY = ethers.id("x25519 public key of the reader");

describe("KeyDirectory", function () {
  /** The patient has published a key. */
  async function publishedFixture() {
    const base = await vaultFixture();
    await base.keyDirectory.connect(base.patient).setEncryptionKey(PATIENT_KEY);
    return base;
  }

  describe("setEncryptionKey", function () {
    describe("Validations", function () {
      it("Should revert for the zero key", async function () {
        const { keyDirectory, patient } = await loadFixture(vaultFixture);
        await expect(keyDirectory.connect(patient).setEncryptionKey(ethers.ZeroHash)).to.be.revertedWithCustomError(
          keyDirectory,
          "KeyDirectoryInvalidKey",
        );
      });

      it("Should keep the published key when the zero key is refused", async function () {
        const { keyDirectory, patient } = await loadFixture(publishedFixture);
        await expect(keyDirectory.connect(patient).setEncryptionKey(ethers.ZeroHash)).to.be.revertedWithCustomError(
          keyDirectory,
          "KeyDirectoryInvalidKey",
        );
        expect(await keyDirectory.encryptionKeyOf(patient.address)).to.equal(PATIENT_KEY);
      });
    });

    describe("Events", function () {
      it("Should emit EncryptionKeySet with the caller and the key", async function () {
        const { keyDirectory, patient } = await loadFixture(vaultFixture);
        await expect(keyDirectory.connect(patient).setEncryptionKey(PATIENT_KEY))
          .to.emit(keyDirectory, "EncryptionKeySet")
          .withArgs(patient.address, PATIENT_KEY);
      });

      it("Should emit EncryptionKeySet again when the key is replaced", async function () {
        const { keyDirectory, patient } = await loadFixture(publishedFixture);
        await expect(keyDirectory.connect(patient).setEncryptionKey(ROTATED_KEY))
          .to.emit(keyDirectory, "EncryptionKeySet")
          .withArgs(patient.address, ROTATED_KEY);
      });
    });

    describe("Effects", function () {
      it("Should publish the caller's key", async function () {
        const { keyDirectory, patient } = await loadFixture(publishedFixture);
        expect(await keyDirectory.encryptionKeyOf(patient.address)).to.equal(PATIENT_KEY);
      });

      it("Should replace the caller's key with the new one", async function () {
        const { keyDirectory, patient } = await loadFixture(publishedFixture);
        await keyDirectory.connect(patient).setEncryptionKey(ROTATED_KEY);
        expect(await keyDirectory.encryptionKeyOf(patient.address)).to.equal(ROTATED_KEY);
      });

      it("Should accept the same key set again", async function () {
        const { keyDirectory, patient } = await loadFixture(publishedFixture);
        await expect(keyDirectory.connect(patient).setEncryptionKey(PATIENT_KEY))
          .to.emit(keyDirectory, "EncryptionKeySet")
          .withArgs(patient.address, PATIENT_KEY);
        expect(await keyDirectory.encryptionKeyOf(patient.address)).to.equal(PATIENT_KEY);
      });

      it("Should set only the caller's key, never another account's", async function () {
        const { keyDirectory, patient, reader } = await loadFixture(publishedFixture);
        await keyDirectory.connect(reader).setEncryptionKey(READER_KEY);
        await keyDirectory.connect(reader).setEncryptionKey(ROTATED_KEY);

        expect(await keyDirectory.encryptionKeyOf(patient.address)).to.equal(PATIENT_KEY);
        expect(await keyDirectory.encryptionKeyOf(reader.address)).to.equal(ROTATED_KEY);
      });
    });
  });

  describe("encryptionKeyOf", function () {
    it("Should return zero for an account that never published a key", async function () {
      const { keyDirectory, stranger } = await loadFixture(publishedFixture);
      expect(await keyDirectory.encryptionKeyOf(stranger.address)).to.equal(ethers.ZeroHash);
    });

    it("Should return zero for the zero address", async function () {
      const { keyDirectory } = await loadFixture(publishedFixture);
      expect(await keyDirectory.encryptionKeyOf(ethers.ZeroAddress)).to.equal(ethers.ZeroHash);
    });
  });
});
