import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { Action, Category, Purpose, categories, DAY } from "@/harness/contracts/codes";
import { consentFixture } from "@/harness/contracts/fixtures";
import { recordPointer } from "./helpers/records";

const LAB_PANEL = recordPointer("lipid-panel-2024-03-14");
const LAB_PANEL_AMENDED = recordPointer("lipid-panel-2024-03-14-amended");
const LAB_PANEL_SECOND_AMENDMENT = recordPointer("lipid-panel-2024-03-14-amended-twice");
const ALLERGY_NOTE = recordPointer("allergy-penicillin");
const GENOME = recordPointer("exome-sequence");

const UNDEFINED_CATEGORIES = [13, 31, 37, 63, 255];

describe("RecordRegistry", function () {
  /** The consent fixture, plus the hospital holding APPEND on lab results and genetic data. */
  async function appendersFixture() {
    const base = await consentFixture();
    const { consentRegistry, patient, hospital, expiresAt } = base;
    await consentRegistry
      .connect(patient)
      .grantConsent(
        hospital.address,
        categories(Category.LabResults, Category.GeneticData),
        Action.Read | Action.Append,
        Purpose.Treatment,
        expiresAt,
      );
    return base;
  }

  /** The patient's own lab-results record, id 1. */
  async function patientRecordFixture() {
    const base = await appendersFixture();
    const { recordRegistry, patient } = base;
    const tx = await recordRegistry
      .connect(patient)
      .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri);
    const receipt = await tx.wait();
    const createdAt = (await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp;
    return { ...base, recordId: 1n, createdAt };
  }

  /** A lab-results record authored by the lab under its APPEND consent, id 1. */
  async function labRecordFixture() {
    const base = await appendersFixture();
    const { recordRegistry, patient, lab } = base;
    await recordRegistry
      .connect(lab)
      .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri);
    return { ...base, recordId: 1n };
  }

  /** The lab's record 1, superseded by the patient with record 2. */
  async function supersededFixture() {
    const base = await labRecordFixture();
    const { recordRegistry, patient } = base;
    await recordRegistry
      .connect(patient)
      .supersedeRecord(patient.address, 1n, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri);
    return base;
  }

  describe("Record pointers", function () {
    it("Should use a SHA-256 content hash and a 59-character CIDv1 URI", function () {
      expect(LAB_PANEL.contentHash).to.equal(ethers.sha256(ethers.toUtf8Bytes("ciphertext:lipid-panel-2024-03-14")));
      expect(LAB_PANEL.uri).to.match(/^bafkrei[a-z2-7]{52}$/);
    });
  });

  describe("Deployment", function () {
    it("Should be wired to the consent registry that authorises authors", async function () {
      const { recordRegistry, consentRegistry } = await loadFixture(consentFixture);
      expect(await recordRegistry.consentRegistry()).to.equal(await consentRegistry.getAddress());
    });
  });

  describe("addRecord", function () {
    describe("Validations", function () {
      it("Should let the patient add a record", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        await expect(
          recordRegistry
            .connect(patient)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        ).not.to.be.reverted;
      });

      it("Should let a provider whose live consent covers the category with APPEND add a record", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(consentFixture);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        ).not.to.be.reverted;
      });

      it("Should let a provider with APPEND on a sensitive category add a record in it", async function () {
        const { recordRegistry, patient, hospital } = await loadFixture(appendersFixture);
        await expect(
          recordRegistry
            .connect(hospital)
            .addRecord(patient.address, GENOME.contentHash, Category.GeneticData, GENOME.uri),
        )
          .to.emit(recordRegistry, "RecordAdded")
          .withArgs(patient.address, 1n, hospital.address, Category.GeneticData, GENOME.contentHash, GENOME.uri);
      });

      it("Should refuse a stranger", async function () {
        const { recordRegistry, patient, stranger } = await loadFixture(consentFixture);
        await expect(
          recordRegistry
            .connect(stranger)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, stranger.address, Category.LabResults);
      });

      it("Should refuse a provider whose consent covers the category with READ only", async function () {
        const { recordRegistry, patient, clinic } = await loadFixture(consentFixture);
        await expect(
          recordRegistry
            .connect(clinic)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, clinic.address, Category.LabResults);
      });

      it("Should refuse a provider whose APPEND consent covers another category", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(consentFixture);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, ALLERGY_NOTE.contentHash, Category.Allergies, ALLERGY_NOTE.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.Allergies);
      });

      it("Should let the provider add one second before its consent expires", async function () {
        const { recordRegistry, patient, lab, expiresAt } = await loadFixture(consentFixture);
        await time.setNextBlockTimestamp(expiresAt - 1);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        ).not.to.be.reverted;
      });

      it("Should refuse the provider at the second its consent expires", async function () {
        const { recordRegistry, patient, lab, expiresAt } = await loadFixture(consentFixture);
        await time.setNextBlockTimestamp(expiresAt);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
      });

      it("Should refuse the provider after its consent expired", async function () {
        const { recordRegistry, patient, lab, expiresAt } = await loadFixture(consentFixture);
        await time.increaseTo(expiresAt);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
      });

      it("Should refuse the provider after the patient revoked its consent", async function () {
        const { recordRegistry, consentRegistry, patient, lab } = await loadFixture(consentFixture);
        await consentRegistry.connect(patient).revokeConsent(lab.address);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
      });

      it("Should refuse the provider after the patient revoked all consents", async function () {
        const { recordRegistry, consentRegistry, patient, lab } = await loadFixture(consentFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
      });

      it("Should refuse the provider after its consent was narrowed to READ", async function () {
        const { recordRegistry, consentRegistry, patient, lab, expiresAt } = await loadFixture(consentFixture);
        await consentRegistry
          .connect(patient)
          .grantConsent(lab.address, categories(Category.LabResults), Action.Read, Purpose.Treatment, expiresAt);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
      });

      it("Should refuse the provider while it is suspended, and accept it again once reinstated", async function () {
        const { recordRegistry, providerRegistry, registrar, patient, lab } = await loadFixture(consentFixture);
        await providerRegistry.connect(registrar).suspendProvider(lab.address);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);

        await providerRegistry.connect(registrar).reinstateProvider(lab.address);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        ).not.to.be.reverted;
      });

      it("Should refuse a provider adding to another patient, for whom it holds no consent", async function () {
        const { recordRegistry, lab, other } = await loadFixture(consentFixture);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(other.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(other.address, lab.address, Category.LabResults);
      });

      it("Should revert for a zero content hash", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        await expect(
          recordRegistry
            .connect(patient)
            .addRecord(patient.address, ethers.ZeroHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordInvalidContentHash")
          .withArgs();
      });

      for (const category of UNDEFINED_CATEGORIES) {
        it(`Should revert for undefined category ${category}`, async function () {
          const { recordRegistry, patient } = await loadFixture(consentFixture);
          await expect(
            recordRegistry.connect(patient).addRecord(patient.address, LAB_PANEL.contentHash, category, LAB_PANEL.uri),
          )
            .to.be.revertedWithCustomError(recordRegistry, "RecordInvalidCategory")
            .withArgs(category);
        });
      }

      it("Should accept every defined category, 0-12 and 32-36", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        const defined = Object.values(Category);
        expect(defined).to.have.lengthOf(18);
        for (const [index, category] of defined.entries()) {
          const pointer = recordPointer(`category-${category}`);
          await recordRegistry.connect(patient).addRecord(patient.address, pointer.contentHash, category, pointer.uri);
          const [contentHash, storedCategory] = await recordRegistry.getRecord(patient.address, index + 1);
          expect(storedCategory).to.equal(category);
          expect(contentHash).to.equal(pointer.contentHash);
        }
        expect(await recordRegistry.recordCount(patient.address)).to.equal(defined.length);
      });

      it("Should revert for an empty URI", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        await expect(
          recordRegistry.connect(patient).addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, ""),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordInvalidUri")
          .withArgs(0);
      });

      it("Should accept a 256-byte URI", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        const uri = "ipfs://" + LAB_PANEL.uri + "/" + "x".repeat(256 - 8 - LAB_PANEL.uri.length);
        expect(uri).to.have.lengthOf(256);
        await expect(
          recordRegistry.connect(patient).addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, uri),
        )
          .to.emit(recordRegistry, "RecordAdded")
          .withArgs(patient.address, 1n, patient.address, Category.LabResults, LAB_PANEL.contentHash, uri);
      });

      it("Should revert for a 257-byte URI", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        const uri = "x".repeat(257);
        await expect(
          recordRegistry.connect(patient).addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordInvalidUri")
          .withArgs(257);
      });

      it("Should count the URI in bytes, not characters", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        const uri = "é".repeat(129); // 129 characters, 258 bytes
        await expect(
          recordRegistry.connect(patient).addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordInvalidUri")
          .withArgs(258);
      });
    });

    describe("Events", function () {
      it("Should emit RecordAdded with the patient as author", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        await expect(
          recordRegistry
            .connect(patient)
            .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        )
          .to.emit(recordRegistry, "RecordAdded")
          .withArgs(patient.address, 1n, patient.address, Category.LabResults, LAB_PANEL.contentHash, LAB_PANEL.uri);
      });

      it("Should emit RecordAdded with the provider as author", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(patientRecordFixture);
        await expect(
          recordRegistry
            .connect(lab)
            .addRecord(patient.address, LAB_PANEL_AMENDED.contentHash, Category.LabResults, LAB_PANEL_AMENDED.uri),
        )
          .to.emit(recordRegistry, "RecordAdded")
          .withArgs(
            patient.address,
            2n,
            lab.address,
            Category.LabResults,
            LAB_PANEL_AMENDED.contentHash,
            LAB_PANEL_AMENDED.uri,
          );
      });

      it("Should declare patient, recordId and author as the indexed fields of RecordAdded", async function () {
        const { recordRegistry } = await loadFixture(consentFixture);
        const event = recordRegistry.interface.getEvent("RecordAdded");
        expect(event.inputs.map((input) => [input.name, input.indexed])).to.deep.equal([
          ["patient", true],
          ["recordId", true],
          ["author", true],
          ["category", false],
          ["contentHash", false],
          ["uri", false],
        ]);
      });

      it("Should put patient, recordId and author in the log's topics", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(patientRecordFixture);
        const tx = await recordRegistry
          .connect(lab)
          .addRecord(patient.address, LAB_PANEL_AMENDED.contentHash, Category.LabResults, LAB_PANEL_AMENDED.uri);
        const receipt = await tx.wait();
        const [log] = receipt!.logs;
        expect(log.topics).to.deep.equal([
          recordRegistry.interface.getEvent("RecordAdded").topicHash,
          ethers.zeroPadValue(patient.address, 32).toLowerCase(),
          ethers.toBeHex(2n, 32),
          ethers.zeroPadValue(lab.address, 32).toLowerCase(),
        ]);
      });
    });

    describe("Effects", function () {
      it("Should return id 1 for a patient's first record", async function () {
        const { recordRegistry, patient } = await loadFixture(consentFixture);
        expect(
          await recordRegistry
            .connect(patient)
            .addRecord.staticCall(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri),
        ).to.equal(1n);
      });

      it("Should return the next id after existing records", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(patientRecordFixture);
        expect(
          await recordRegistry
            .connect(lab)
            .addRecord.staticCall(patient.address, LAB_PANEL_AMENDED.contentHash, Category.LabResults, LAB_PANEL.uri),
        ).to.equal(2n);
      });

      it("Should store the record with its author, category, block time and no successor", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(consentFixture);
        const tx = await recordRegistry
          .connect(lab)
          .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri);
        const receipt = await tx.wait();
        const block = await ethers.provider.getBlock(receipt!.blockNumber);

        const [contentHash, category, author, createdAt, supersededBy] = await recordRegistry.getRecord(
          patient.address,
          1n,
        );
        expect(contentHash).to.equal(LAB_PANEL.contentHash);
        expect(category).to.equal(Category.LabResults);
        expect(author).to.equal(lab.address);
        expect(createdAt).to.equal(block!.timestamp);
        expect(supersededBy).to.equal(0n);
      });

      it("Should number each patient's records from 1, with independent counters", async function () {
        const { recordRegistry, patient, other } = await loadFixture(consentFixture);
        await recordRegistry
          .connect(patient)
          .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri);
        await recordRegistry
          .connect(patient)
          .addRecord(patient.address, ALLERGY_NOTE.contentHash, Category.Allergies, ALLERGY_NOTE.uri);
        await expect(
          recordRegistry.connect(other).addRecord(other.address, GENOME.contentHash, Category.GeneticData, GENOME.uri),
        )
          .to.emit(recordRegistry, "RecordAdded")
          .withArgs(other.address, 1n, other.address, Category.GeneticData, GENOME.contentHash, GENOME.uri);

        expect(await recordRegistry.recordCount(patient.address)).to.equal(2n);
        expect(await recordRegistry.recordCount(other.address)).to.equal(1n);
        expect((await recordRegistry.getRecord(patient.address, 1n)).contentHash).to.equal(LAB_PANEL.contentHash);
        expect((await recordRegistry.getRecord(patient.address, 2n)).contentHash).to.equal(ALLERGY_NOTE.contentHash);
        expect((await recordRegistry.getRecord(other.address, 1n)).contentHash).to.equal(GENOME.contentHash);
      });

      it("Should count a provider's record under the patient, not under the provider", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(labRecordFixture);
        expect(await recordRegistry.recordCount(patient.address)).to.equal(1n);
        expect(await recordRegistry.recordCount(lab.address)).to.equal(0n);
      });

      it("Should accept the same content hash twice as two records", async function () {
        const { recordRegistry, patient } = await loadFixture(patientRecordFixture);
        await recordRegistry
          .connect(patient)
          .addRecord(patient.address, LAB_PANEL.contentHash, Category.LabResults, LAB_PANEL.uri);
        expect(await recordRegistry.recordCount(patient.address)).to.equal(2n);
        expect(await recordRegistry.verifyRecord(patient.address, 2n, LAB_PANEL.contentHash)).to.be.true;
      });
    });
  });

  describe("recordCount", function () {
    it("Should be 0 for a patient without records", async function () {
      const { recordRegistry, patient, stranger } = await loadFixture(consentFixture);
      expect(await recordRegistry.recordCount(patient.address)).to.equal(0n);
      expect(await recordRegistry.recordCount(stranger.address)).to.equal(0n);
    });

    it("Should count superseding records too", async function () {
      const { recordRegistry, patient } = await loadFixture(supersededFixture);
      expect(await recordRegistry.recordCount(patient.address)).to.equal(2n);
    });
  });

  describe("getRecord", function () {
    it("Should return the patient's record with its creation time and no successor", async function () {
      const { recordRegistry, patient, recordId, createdAt } = await loadFixture(patientRecordFixture);
      const record = await recordRegistry.getRecord(patient.address, recordId);
      expect(record.contentHash).to.equal(LAB_PANEL.contentHash);
      expect(record.category).to.equal(Category.LabResults);
      expect(record.author).to.equal(patient.address);
      expect(record.createdAt).to.equal(createdAt);
      expect(record.supersededBy).to.equal(0n);
    });

    it("Should revert with RecordNotFound for id 0", async function () {
      const { recordRegistry, patient } = await loadFixture(patientRecordFixture);
      await expect(recordRegistry.getRecord(patient.address, 0n))
        .to.be.revertedWithCustomError(recordRegistry, "RecordNotFound")
        .withArgs(patient.address, 0n);
    });

    it("Should revert with RecordNotFound for recordCount + 1", async function () {
      const { recordRegistry, patient } = await loadFixture(patientRecordFixture);
      const next = (await recordRegistry.recordCount(patient.address)) + 1n;
      await expect(recordRegistry.getRecord(patient.address, next))
        .to.be.revertedWithCustomError(recordRegistry, "RecordNotFound")
        .withArgs(patient.address, next);
    });

    it("Should revert with RecordNotFound for another patient's id", async function () {
      const { recordRegistry, other, recordId } = await loadFixture(patientRecordFixture);
      await expect(recordRegistry.getRecord(other.address, recordId))
        .to.be.revertedWithCustomError(recordRegistry, "RecordNotFound")
        .withArgs(other.address, recordId);
    });
  });

  describe("verifyRecord", function () {
    it("Should be true for the exact content hash", async function () {
      const { recordRegistry, patient, recordId } = await loadFixture(patientRecordFixture);
      expect(await recordRegistry.verifyRecord(patient.address, recordId, LAB_PANEL.contentHash)).to.be.true;
    });

    it("Should be false for another hash", async function () {
      const { recordRegistry, patient, recordId } = await loadFixture(patientRecordFixture);
      expect(await recordRegistry.verifyRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash)).to.be.false;
    });

    it("Should be false for a hash differing in one bit", async function () {
      const { recordRegistry, patient, recordId } = await loadFixture(patientRecordFixture);
      const flipped = ethers.toBeHex(BigInt(LAB_PANEL.contentHash) ^ 1n, 32);
      expect(await recordRegistry.verifyRecord(patient.address, recordId, flipped)).to.be.false;
    });

    it("Should be false for the zero hash", async function () {
      const { recordRegistry, patient, recordId } = await loadFixture(patientRecordFixture);
      expect(await recordRegistry.verifyRecord(patient.address, recordId, ethers.ZeroHash)).to.be.false;
    });

    it("Should be false for unknown ids, including the zero hash against an empty slot", async function () {
      const { recordRegistry, patient, stranger } = await loadFixture(patientRecordFixture);
      expect(await recordRegistry.verifyRecord(patient.address, 0n, LAB_PANEL.contentHash)).to.be.false;
      expect(await recordRegistry.verifyRecord(patient.address, 2n, LAB_PANEL.contentHash)).to.be.false;
      expect(await recordRegistry.verifyRecord(patient.address, 2n, ethers.ZeroHash)).to.be.false;
      expect(await recordRegistry.verifyRecord(stranger.address, 1n, LAB_PANEL.contentHash)).to.be.false;
    });
  });

  describe("supersedeRecord", function () {
    describe("Validations", function () {
      it("Should revert with RecordNotFound for id 0", async function () {
        const { recordRegistry, patient } = await loadFixture(patientRecordFixture);
        await expect(
          recordRegistry
            .connect(patient)
            .supersedeRecord(patient.address, 0n, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordNotFound")
          .withArgs(patient.address, 0n);
      });

      it("Should revert with RecordNotFound for recordCount + 1", async function () {
        const { recordRegistry, patient } = await loadFixture(patientRecordFixture);
        await expect(
          recordRegistry
            .connect(patient)
            .supersedeRecord(patient.address, 2n, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordNotFound")
          .withArgs(patient.address, 2n);
      });

      it("Should let the record's author supersede while its APPEND consent is live", async function () {
        const { recordRegistry, patient, lab, recordId } = await loadFixture(labRecordFixture);
        await expect(
          recordRegistry
            .connect(lab)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.emit(recordRegistry, "RecordSuperseded")
          .withArgs(patient.address, recordId, 2n);
      });

      it("Should refuse the record's author after its consent was revoked", async function () {
        const { recordRegistry, consentRegistry, patient, lab, recordId } = await loadFixture(labRecordFixture);
        await consentRegistry.connect(patient).revokeConsent(lab.address);
        await expect(
          recordRegistry
            .connect(lab)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
      });

      it("Should refuse the record's author after its consent expired", async function () {
        const { recordRegistry, patient, lab, recordId, expiresAt } = await loadFixture(labRecordFixture);
        await time.increaseTo(expiresAt);
        await expect(
          recordRegistry
            .connect(lab)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
      });

      it("Should refuse the record's author while it is suspended", async function () {
        const { recordRegistry, providerRegistry, registrar, patient, lab, recordId } =
          await loadFixture(labRecordFixture);
        await providerRegistry.connect(registrar).suspendProvider(lab.address);
        await expect(
          recordRegistry
            .connect(lab)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
      });

      it("Should refuse a different provider even though it holds APPEND on the category", async function () {
        const { recordRegistry, consentRegistry, patient, hospital, recordId } = await loadFixture(labRecordFixture);
        expect(
          await consentRegistry.coversActions(
            patient.address,
            hospital.address,
            categories(Category.LabResults),
            Action.Append,
          ),
        ).to.be.true;
        await expect(
          recordRegistry
            .connect(hospital)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedSupersede")
          .withArgs(patient.address, recordId, hospital.address);
      });

      it("Should refuse a provider with APPEND superseding the patient's own record", async function () {
        const { recordRegistry, patient, lab, recordId } = await loadFixture(patientRecordFixture);
        await expect(
          recordRegistry
            .connect(lab)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedSupersede")
          .withArgs(patient.address, recordId, lab.address);
      });

      it("Should refuse a stranger", async function () {
        const { recordRegistry, patient, stranger, recordId } = await loadFixture(patientRecordFixture);
        await expect(
          recordRegistry
            .connect(stranger)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedSupersede")
          .withArgs(patient.address, recordId, stranger.address);
      });

      it("Should revert with RecordAlreadySuperseded for a superseded record, even for the patient", async function () {
        const { recordRegistry, patient } = await loadFixture(supersededFixture);
        await expect(
          recordRegistry
            .connect(patient)
            .supersedeRecord(
              patient.address,
              1n,
              LAB_PANEL_SECOND_AMENDMENT.contentHash,
              LAB_PANEL_SECOND_AMENDMENT.uri,
            ),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordAlreadySuperseded")
          .withArgs(patient.address, 1n, 2n);
      });

      it("Should revert with RecordAlreadySuperseded for the superseded record's author", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(supersededFixture);
        await expect(
          recordRegistry
            .connect(lab)
            .supersedeRecord(
              patient.address,
              1n,
              LAB_PANEL_SECOND_AMENDMENT.contentHash,
              LAB_PANEL_SECOND_AMENDMENT.uri,
            ),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordAlreadySuperseded")
          .withArgs(patient.address, 1n, 2n);
      });

      it("Should revert for a zero content hash", async function () {
        const { recordRegistry, patient, recordId } = await loadFixture(patientRecordFixture);
        await expect(
          recordRegistry
            .connect(patient)
            .supersedeRecord(patient.address, recordId, ethers.ZeroHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordInvalidContentHash")
          .withArgs();
      });

      it("Should revert for an empty or a 257-byte URI", async function () {
        const { recordRegistry, patient, recordId } = await loadFixture(patientRecordFixture);
        await expect(
          recordRegistry.connect(patient).supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, ""),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordInvalidUri")
          .withArgs(0);
        await expect(
          recordRegistry
            .connect(patient)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, "x".repeat(257)),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordInvalidUri")
          .withArgs(257);
      });
    });

    describe("Events", function () {
      it("Should emit RecordAdded then RecordSuperseded when the patient supersedes", async function () {
        const { recordRegistry, patient, recordId } = await loadFixture(labRecordFixture);
        const tx = recordRegistry
          .connect(patient)
          .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri);
        await expect(tx)
          .to.emit(recordRegistry, "RecordAdded")
          .withArgs(
            patient.address,
            2n,
            patient.address,
            Category.LabResults,
            LAB_PANEL_AMENDED.contentHash,
            LAB_PANEL_AMENDED.uri,
          )
          .and.to.emit(recordRegistry, "RecordSuperseded")
          .withArgs(patient.address, recordId, 2n);

        const receipt = await (await tx).wait();
        const names = receipt!.logs.map((log) => recordRegistry.interface.parseLog(log)?.name);
        expect(names).to.deep.equal(["RecordAdded", "RecordSuperseded"]);
      });

      it("Should emit RecordAdded with the author and RecordSuperseded when the author supersedes", async function () {
        const { recordRegistry, patient, lab, recordId } = await loadFixture(labRecordFixture);
        await expect(
          recordRegistry
            .connect(lab)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.emit(recordRegistry, "RecordAdded")
          .withArgs(
            patient.address,
            2n,
            lab.address,
            Category.LabResults,
            LAB_PANEL_AMENDED.contentHash,
            LAB_PANEL_AMENDED.uri,
          )
          .and.to.emit(recordRegistry, "RecordSuperseded")
          .withArgs(patient.address, recordId, 2n);
      });

      it("Should index patient, recordId and newRecordId in RecordSuperseded", async function () {
        const { recordRegistry } = await loadFixture(consentFixture);
        const event = recordRegistry.interface.getEvent("RecordSuperseded");
        expect(event.inputs.map((input) => [input.name, input.indexed])).to.deep.equal([
          ["patient", true],
          ["recordId", true],
          ["newRecordId", true],
        ]);
      });
    });

    describe("Effects", function () {
      it("Should return the new record's id", async function () {
        const { recordRegistry, patient, recordId } = await loadFixture(patientRecordFixture);
        expect(
          await recordRegistry
            .connect(patient)
            .supersedeRecord.staticCall(
              patient.address,
              recordId,
              LAB_PANEL_AMENDED.contentHash,
              LAB_PANEL_AMENDED.uri,
            ),
        ).to.equal(2n);
      });

      it("Should link the old record to the new one, in the same category", async function () {
        const { recordRegistry, patient } = await loadFixture(supersededFixture);
        const old = await recordRegistry.getRecord(patient.address, 1n);
        const current = await recordRegistry.getRecord(patient.address, 2n);
        expect(old.supersededBy).to.equal(2n);
        expect(current.supersededBy).to.equal(0n);
        expect(current.category).to.equal(old.category);
        expect(current.category).to.equal(Category.LabResults);
        expect(current.contentHash).to.equal(LAB_PANEL_AMENDED.contentHash);
        expect(current.author).to.equal(patient.address);
      });

      it("Should stamp the new record with the superseding block's time and keep the old one's", async function () {
        const { recordRegistry, patient, recordId, createdAt } = await loadFixture(patientRecordFixture);
        await time.increase(DAY);
        const tx = await recordRegistry
          .connect(patient)
          .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri);
        const block = await ethers.provider.getBlock((await tx.wait())!.blockNumber);
        expect((await recordRegistry.getRecord(patient.address, 2n)).createdAt).to.equal(block!.timestamp);
        expect((await recordRegistry.getRecord(patient.address, recordId)).createdAt).to.equal(createdAt);
      });

      it("Should record the lab as author when it supersedes its own record", async function () {
        const { recordRegistry, patient, lab, recordId } = await loadFixture(labRecordFixture);
        await recordRegistry
          .connect(lab)
          .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri);
        const [, category, author, , supersededBy] = await recordRegistry.getRecord(patient.address, 2n);
        expect(author).to.equal(lab.address);
        expect(category).to.equal(Category.LabResults);
        expect(supersededBy).to.equal(0n);
        expect((await recordRegistry.getRecord(patient.address, recordId)).supersededBy).to.equal(2n);
      });

      it("Should keep the old record readable and verifiable, never deleted", async function () {
        const { recordRegistry, patient, lab } = await loadFixture(supersededFixture);
        const [contentHash, category, author] = await recordRegistry.getRecord(patient.address, 1n);
        expect(contentHash).to.equal(LAB_PANEL.contentHash);
        expect(category).to.equal(Category.LabResults);
        expect(author).to.equal(lab.address);
        expect(await recordRegistry.verifyRecord(patient.address, 1n, LAB_PANEL.contentHash)).to.be.true;
        expect(await recordRegistry.verifyRecord(patient.address, 2n, LAB_PANEL_AMENDED.contentHash)).to.be.true;
        expect(await recordRegistry.verifyRecord(patient.address, 1n, LAB_PANEL_AMENDED.contentHash)).to.be.false;
      });

      it("Should let the newest record in a chain be superseded in turn", async function () {
        const { recordRegistry, patient } = await loadFixture(supersededFixture);
        await expect(
          recordRegistry
            .connect(patient)
            .supersedeRecord(
              patient.address,
              2n,
              LAB_PANEL_SECOND_AMENDMENT.contentHash,
              LAB_PANEL_SECOND_AMENDMENT.uri,
            ),
        )
          .to.emit(recordRegistry, "RecordSuperseded")
          .withArgs(patient.address, 2n, 3n);
        expect((await recordRegistry.getRecord(patient.address, 1n)).supersededBy).to.equal(2n);
        expect((await recordRegistry.getRecord(patient.address, 2n)).supersededBy).to.equal(3n);
        expect((await recordRegistry.getRecord(patient.address, 3n)).supersededBy).to.equal(0n);
        expect(await recordRegistry.recordCount(patient.address)).to.equal(3n);
      });

      it("Should leave the record untouched when superseding is refused", async function () {
        const { recordRegistry, consentRegistry, patient, lab, recordId } = await loadFixture(labRecordFixture);
        await consentRegistry.connect(patient).revokeConsent(lab.address);
        await expect(
          recordRegistry
            .connect(lab)
            .supersedeRecord(patient.address, recordId, LAB_PANEL_AMENDED.contentHash, LAB_PANEL_AMENDED.uri),
        )
          .to.be.revertedWithCustomError(recordRegistry, "RecordUnauthorizedAuthor")
          .withArgs(patient.address, lab.address, Category.LabResults);
        expect((await recordRegistry.getRecord(patient.address, recordId)).supersededBy).to.equal(0n);
        expect(await recordRegistry.recordCount(patient.address)).to.equal(1n);
      });
    });
  });
});
