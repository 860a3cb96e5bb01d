// The consent registry's direct paths: patient, delegate and emergency operations, and the access checks.
// The EIP-712 signed paths, properties and gas have their own files.
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { IConsentRegistry } from "@/typechain-types";
import {
  ALL_ACTIONS,
  ALL_CATEGORIES,
  ALL_PURPOSES,
  Action,
  Category,
  DAY,
  EMERGENCY_WINDOW,
  HOUR,
  MAX_CONSENT_DURATION,
  Purpose,
  ROUTINE_CATEGORIES,
  SENSITIVE_CATEGORIES,
  categories,
} from "@/harness/contracts/codes";
import { CLINIC_TERMS, consentFixture, deployFixture, providersFixture } from "@/harness/contracts/fixtures";
import { consentDomain } from "@/harness/contracts/signatures";
import { MAX_SIGNATURE_LIFETIME as PORTAL_MAX_SIGNATURE_LIFETIME } from "@/lib/consentSignatures";

const REASON = ethers.id("emergency:unconscious-patient");
const LAB_RESULTS = categories(Category.LabResults);
const MEDICATIONS = categories(Category.Medications);
const IMAGING = categories(Category.Imaging);
const MENTAL_HEALTH = categories(Category.MentalHealth);

/** A stored consent as plain numbers, so whole structs compare in one assertion. */
function terms(consent: IConsentRegistry.ConsentStructOutput) {
  return {
    categories: consent.categories,
    actions: Number(consent.actions),
    purposes: Number(consent.purposes),
    grantedAt: Number(consent.grantedAt),
    expiresAt: Number(consent.expiresAt),
    epoch: Number(consent.epoch),
  };
}

const EMPTY_CONSENT = { categories: 0n, actions: 0, purposes: 0, grantedAt: 0, expiresAt: 0, epoch: 0 };

// ---- Fixtures ----

/** consentFixture, with the time the clinic's consent was granted: its block is the one before the lab's grant. */
async function grantedFixture() {
  const base = await consentFixture();
  const clinicGrantBlock = await ethers.provider.getBlock((await ethers.provider.getBlockNumber()) - 1);
  if (clinicGrantBlock === null) throw new Error("missing block");
  return { ...base, grantedAt: clinicGrantBlock.timestamp };
}

/** consentFixture, then the patient revoked every consent at once (epoch 1). */
async function revokedAllFixture() {
  const base = await consentFixture();
  await base.consentRegistry.connect(base.patient).revokeAllConsents();
  return base;
}

/** consentFixture plus a second patient (`other`) with the same consent to the clinic. */
async function twoPatientsFixture() {
  const base = await consentFixture();
  const { consentRegistry, other, clinic, expiresAt } = base;
  await consentRegistry
    .connect(other)
    .grantConsent(clinic.address, CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, expiresAt);
  return base;
}

/** consentFixture, and the patient made `delegate` their delegate. */
async function delegateFixture() {
  const base = await consentFixture();
  await base.consentRegistry.connect(base.patient).setDelegate(base.delegate.address, true);
  return base;
}

/** providersFixture, then the emergency-capable hospital broke the glass on the patient (no consent exists). */
async function brokenGlassFixture() {
  const base = await providersFixture();
  const { consentRegistry, patient, hospital } = base;
  await consentRegistry.connect(hospital).breakGlass(patient.address, REASON);
  const brokeAt = await time.latest();
  return { ...base, brokeAt, until: brokeAt + EMERGENCY_WINDOW };
}

/** consentFixture, then the registrar suspended the clinic. */
async function suspendedClinicFixture() {
  const base = await consentFixture();
  await base.providerRegistry.connect(base.registrar).suspendProvider(base.clinic.address);
  return base;
}

describe("ConsentRegistry", function () {
  describe("Deployment", function () {
    it("Should point at the provider registry", async function () {
      const { consentRegistry, providerRegistry } = await loadFixture(deployFixture);
      expect(await consentRegistry.providerRegistry()).to.equal(await providerRegistry.getAddress());
    });

    it("Should expose the EIP-712 domain MedConsent, version 1, this chain and this contract", async function () {
      const { consentRegistry } = await loadFixture(deployFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const [fields, name, version, domainChainId, verifyingContract, salt, extensions] =
        await consentRegistry.eip712Domain();
      expect(fields).to.equal("0x0f");
      expect(name).to.equal("MedConsent");
      expect(version).to.equal("1");
      expect(domainChainId).to.equal(chainId);
      expect(verifyingContract).to.equal(await consentRegistry.getAddress());
      expect(salt).to.equal(ethers.ZeroHash);
      expect(extensions).to.deep.equal([]);
    });

    it("Should expose the domain separator of that domain", async function () {
      const { consentRegistry } = await loadFixture(deployFixture);
      const expected = ethers.TypedDataEncoder.hashDomain(await consentDomain(consentRegistry));
      expect(await consentRegistry.DOMAIN_SEPARATOR()).to.equal(expected);
    });

    it("Should set a 24-hour emergency window, a 10-year consent limit and a 1-hour signature lifetime", async function () {
      const { consentRegistry } = await loadFixture(deployFixture);
      expect(await consentRegistry.EMERGENCY_WINDOW()).to.equal(86_400n);
      expect(await consentRegistry.MAX_CONSENT_DURATION()).to.equal(BigInt(MAX_CONSENT_DURATION));
      expect(await consentRegistry.MAX_SIGNATURE_LIFETIME()).to.equal(3_600n);
      // The portal signs within the same limit (app/_lib/grantForm.ts).
      expect(await consentRegistry.MAX_SIGNATURE_LIFETIME()).to.equal(BigInt(PORTAL_MAX_SIGNATURE_LIFETIME));
    });

    it("Should start every patient at epoch 0, nonce 0, emergency access allowed and no consent", async function () {
      const { consentRegistry, patient, clinic } = await loadFixture(deployFixture);
      expect(await consentRegistry.epochOf(patient.address)).to.equal(0n);
      expect(await consentRegistry.nonces(patient.address)).to.equal(0n);
      expect(await consentRegistry.emergencyAccessAllowed(patient.address)).to.equal(true);
      expect(terms(await consentRegistry.consentOf(patient.address, clinic.address))).to.deep.equal(EMPTY_CONSENT);
    });
  });

  describe("grantConsent", function () {
    describe("Validations", function () {
      it("Should revert with ConsentInvalidGrantee for the zero address", async function () {
        const { consentRegistry, patient } = await loadFixture(providersFixture);
        const expiresAt = (await time.latest()) + DAY;
        await expect(
          consentRegistry
            .connect(patient)
            .grantConsent(ethers.ZeroAddress, LAB_RESULTS, Action.Read, Purpose.Treatment, expiresAt),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidGrantee")
          .withArgs(ethers.ZeroAddress);
      });

      it("Should revert with ConsentSelfGrant when the grantee is the caller, even a registered provider", async function () {
        const { consentRegistry, clinic } = await loadFixture(providersFixture);
        const expiresAt = (await time.latest()) + DAY;
        await expect(
          consentRegistry
            .connect(clinic)
            .grantConsent(clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment, expiresAt),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentSelfGrant")
          .withArgs(clinic.address);
      });

      it("Should revert with ConsentGranteeNotActive for an unregistered grantee", async function () {
        const { consentRegistry, patient, stranger } = await loadFixture(providersFixture);
        const expiresAt = (await time.latest()) + DAY;
        await expect(
          consentRegistry
            .connect(patient)
            .grantConsent(stranger.address, LAB_RESULTS, Action.Read, Purpose.Treatment, expiresAt),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentGranteeNotActive")
          .withArgs(stranger.address);
      });

      it("Should revert with ConsentGranteeNotActive for a suspended grantee", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(suspendedClinicFixture);
        await expect(
          consentRegistry
            .connect(patient)
            .grantConsent(clinic.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentGranteeNotActive")
          .withArgs(clinic.address);
      });

      it("Should revert with ConsentNoCategories for an empty mask", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
        const expiresAt = (await time.latest()) + DAY;
        await expect(
          consentRegistry.connect(patient).grantConsent(clinic.address, 0n, Action.Read, Purpose.Treatment, expiresAt),
        ).to.be.revertedWithCustomError(consentRegistry, "ConsentNoCategories");
      });

      for (const [label, mask] of [
        ["bit 13", categories(13)],
        ["bit 37 beside a defined category", LAB_RESULTS | categories(37)],
        ["bit 63", 1n << 63n],
      ] as const) {
        it(`Should revert with ConsentUndefinedCategories for ${label}`, async function () {
          const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
          const expiresAt = (await time.latest()) + DAY;
          await expect(
            consentRegistry
              .connect(patient)
              .grantConsent(clinic.address, mask, Action.Read, Purpose.Treatment, expiresAt),
          )
            .to.be.revertedWithCustomError(consentRegistry, "ConsentUndefinedCategories")
            .withArgs(mask);
        });
      }

      for (const actions of [0, 4]) {
        it(`Should revert with ConsentInvalidActions for actions ${actions}`, async function () {
          const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
          const expiresAt = (await time.latest()) + DAY;
          await expect(
            consentRegistry
              .connect(patient)
              .grantConsent(clinic.address, LAB_RESULTS, actions, Purpose.Treatment, expiresAt),
          )
            .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidActions")
            .withArgs(actions);
        });
      }

      for (const purposes of [0, 64, 128]) {
        it(`Should revert with ConsentInvalidPurposes for purposes ${purposes}`, async function () {
          const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
          const expiresAt = (await time.latest()) + DAY;
          await expect(
            consentRegistry
              .connect(patient)
              .grantConsent(clinic.address, LAB_RESULTS, Action.Read, purposes, expiresAt),
          )
            .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidPurposes")
            .withArgs(purposes);
        });
      }

      for (const [label, offset] of [
        ["the granting block's time", 0],
        ["a time in the past", -1],
        ["more than 10 years ahead", MAX_CONSENT_DURATION + 1],
      ] as const) {
        it(`Should revert with ConsentInvalidExpiry for ${label}`, async function () {
          const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
          const now = (await time.latest()) + 100;
          await time.setNextBlockTimestamp(now);
          await expect(
            consentRegistry
              .connect(patient)
              .grantConsent(clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment, now + offset),
          )
            .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidExpiry")
            .withArgs(now + offset, now + MAX_CONSENT_DURATION);
        });
      }

      it("Should accept an expiry exactly 10 years ahead", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
        const now = (await time.latest()) + 100;
        await time.setNextBlockTimestamp(now);
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment, now + MAX_CONSENT_DURATION);
        expect((await consentRegistry.consentOf(patient.address, clinic.address)).expiresAt).to.equal(
          BigInt(now + MAX_CONSENT_DURATION),
        );
      });

      it("Should accept an expiry one second after the granting block", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
        const now = (await time.latest()) + 100;
        await time.setNextBlockTimestamp(now);
        await expect(
          consentRegistry
            .connect(patient)
            .grantConsent(clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment, now + 1),
        ).not.to.be.reverted;
      });

      it("Should accept every defined category, action and purpose at once", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
        const expiresAt = (await time.latest()) + DAY;
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic.address, ALL_CATEGORIES, ALL_ACTIONS, ALL_PURPOSES, expiresAt);
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            clinic.address,
            ALL_CATEGORIES,
            Action.Append,
            Purpose.Emergency,
          ),
        ).to.equal(true);
      });
    });

    describe("Events", function () {
      it("Should emit ConsentGranted with the terms and the patient as `by`", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
        const expiresAt = (await time.latest()) + 30 * DAY;
        await expect(
          consentRegistry
            .connect(patient)
            .grantConsent(
              clinic.address,
              CLINIC_TERMS.categories,
              CLINIC_TERMS.actions,
              CLINIC_TERMS.purposes,
              expiresAt,
            ),
        )
          .to.emit(consentRegistry, "ConsentGranted")
          .withArgs(
            patient.address,
            clinic.address,
            CLINIC_TERMS.categories,
            CLINIC_TERMS.actions,
            CLINIC_TERMS.purposes,
            expiresAt,
            patient.address,
          );
      });

      it("Should emit ConsentGranted with the new terms when replacing a consent", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        await expect(
          consentRegistry
            .connect(patient)
            .grantConsent(clinic.address, IMAGING, Action.Append, Purpose.Research, expiresAt + DAY),
        )
          .to.emit(consentRegistry, "ConsentGranted")
          .withArgs(
            patient.address,
            clinic.address,
            IMAGING,
            Action.Append,
            Purpose.Research,
            expiresAt + DAY,
            patient.address,
          );
      });
    });

    describe("Effects", function () {
      it("Should store the consent with grantedAt = block time and the patient's epoch", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
        const expiresAt = (await time.latest()) + 30 * DAY;
        await consentRegistry
          .connect(patient)
          .grantConsent(
            clinic.address,
            CLINIC_TERMS.categories,
            CLINIC_TERMS.actions,
            CLINIC_TERMS.purposes,
            expiresAt,
          );
        expect(terms(await consentRegistry.consentOf(patient.address, clinic.address))).to.deep.equal({
          categories: CLINIC_TERMS.categories,
          actions: CLINIC_TERMS.actions,
          purposes: CLINIC_TERMS.purposes,
          grantedAt: await time.latest(),
          expiresAt,
          epoch: 0,
        });
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });

      it("Should narrow a consent: removed categories, actions and purposes stop", async function () {
        const { consentRegistry, patient, lab, expiresAt } = await loadFixture(consentFixture);
        // The lab holds lab results, READ | APPEND, treatment; narrow to READ only, for research instead.
        await time.increase(HOUR);
        await consentRegistry
          .connect(patient)
          .grantConsent(lab.address, LAB_RESULTS, Action.Read, Purpose.Research, expiresAt);
        expect(terms(await consentRegistry.consentOf(patient.address, lab.address))).to.deep.equal({
          categories: LAB_RESULTS,
          actions: Action.Read,
          purposes: Purpose.Research,
          grantedAt: await time.latest(),
          expiresAt,
          epoch: 0,
        });
        expect(
          await consentRegistry.hasAccess(patient.address, lab.address, LAB_RESULTS, Action.Read, Purpose.Research),
        ).to.equal(true);
        expect(
          await consentRegistry.hasAccess(patient.address, lab.address, LAB_RESULTS, Action.Append, Purpose.Research),
        ).to.equal(false);
        expect(
          await consentRegistry.hasAccess(patient.address, lab.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
      });

      it("Should narrow a consent's categories", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic.address, MEDICATIONS, Action.Read, Purpose.Treatment, expiresAt);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, MEDICATIONS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
      });

      it("Should widen a consent: added categories, actions and purposes apply", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        const wider = CLINIC_TERMS.categories | IMAGING | MENTAL_HEALTH;
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic.address, wider, ALL_ACTIONS, Purpose.Treatment | Purpose.Payment, expiresAt);
        expect((await consentRegistry.consentOf(patient.address, clinic.address)).categories).to.equal(wider);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, wider, Action.Append, Purpose.Payment),
        ).to.equal(true);
      });

      it("Should extend a consent: access continues past the old expiry", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        const extended = expiresAt + 365 * DAY;
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic.address, CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, extended);
        expect((await consentRegistry.consentOf(patient.address, clinic.address)).expiresAt).to.equal(BigInt(extended));
        await time.increaseTo(expiresAt + DAY);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });

      it("Should shorten a consent: it ends at the new, earlier expiry", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        const shorter = (await time.latest()) + DAY;
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic.address, CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, shorter);
        await time.increaseTo(shorter);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
      });

      it("Should renew an expired consent", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        await time.increaseTo(expiresAt + DAY);
        await consentRegistry
          .connect(patient)
          .grantConsent(
            clinic.address,
            CLINIC_TERMS.categories,
            CLINIC_TERMS.actions,
            CLINIC_TERMS.purposes,
            expiresAt + 30 * DAY,
          );
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });

      it("Should stamp a replacement after revoke-all with the current epoch, reviving it", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(revokedAllFixture);
        await consentRegistry
          .connect(patient)
          .grantConsent(
            clinic.address,
            CLINIC_TERMS.categories,
            CLINIC_TERMS.actions,
            CLINIC_TERMS.purposes,
            expiresAt,
          );
        const consent = await consentRegistry.consentOf(patient.address, clinic.address);
        expect(consent.epoch).to.equal(await consentRegistry.epochOf(patient.address));
        expect(consent.epoch).to.equal(1n);
        expect(consent.grantedAt).to.equal(BigInt(await time.latest()));
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });

      it("Should leave the patient's other consents and other patients untouched", async function () {
        const { consentRegistry, patient, other, clinic, lab, expiresAt } = await loadFixture(twoPatientsFixture);
        const labBefore = terms(await consentRegistry.consentOf(patient.address, lab.address));
        const otherBefore = terms(await consentRegistry.consentOf(other.address, clinic.address));
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic.address, IMAGING, Action.Read, Purpose.Research, expiresAt);
        expect(terms(await consentRegistry.consentOf(patient.address, lab.address))).to.deep.equal(labBefore);
        expect(terms(await consentRegistry.consentOf(other.address, clinic.address))).to.deep.equal(otherBefore);
      });
    });
  });

  describe("Expiry", function () {
    it("Should give access until the second before expiresAt", async function () {
      const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
      await time.increaseTo(expiresAt - 1);
      expect(
        await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
      ).to.equal(true);
      await expect(
        consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
      ).not.to.be.reverted;
    });

    for (const offset of [0, 1]) {
      it(`Should refuse access at expiresAt + ${offset}, with AccessExpired`, async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        await time.increaseTo(expiresAt + offset);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessExpired")
          .withArgs(patient.address, clinic.address, expiresAt);
      });
    }

    it("Should keep the expired consent's stored terms readable", async function () {
      const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
      await time.increaseTo(expiresAt + DAY);
      const consent = await consentRegistry.consentOf(patient.address, clinic.address);
      expect(consent.categories).to.equal(CLINIC_TERMS.categories);
      expect(consent.expiresAt).to.equal(BigInt(expiresAt));
    });
  });

  describe("revokeConsent", function () {
    describe("Validations", function () {
      it("Should revert with ConsentNotLive for a consent never granted", async function () {
        const { consentRegistry, patient, hospital } = await loadFixture(consentFixture);
        await expect(consentRegistry.connect(patient).revokeConsent(hospital.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentNotLive")
          .withArgs(patient.address, hospital.address);
      });

      it("Should revert with ConsentNotLive for a consent already revoked", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        await consentRegistry.connect(patient).revokeConsent(clinic.address);
        await expect(consentRegistry.connect(patient).revokeConsent(clinic.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentNotLive")
          .withArgs(patient.address, clinic.address);
      });

      it("Should revert with ConsentNotLive for a consent that expired (at expiresAt)", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        await time.setNextBlockTimestamp(expiresAt);
        await expect(consentRegistry.connect(patient).revokeConsent(clinic.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentNotLive")
          .withArgs(patient.address, clinic.address);
      });

      it("Should still revoke a consent in its last second (expiresAt - 1)", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        await time.setNextBlockTimestamp(expiresAt - 1);
        await expect(consentRegistry.connect(patient).revokeConsent(clinic.address))
          .to.emit(consentRegistry, "ConsentRevoked")
          .withArgs(patient.address, clinic.address, patient.address);
      });

      it("Should revert with ConsentNotLive for a consent revoked by revoke-all", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(revokedAllFixture);
        await expect(consentRegistry.connect(patient).revokeConsent(clinic.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentNotLive")
          .withArgs(patient.address, clinic.address);
      });

      it("Should only revoke the caller's own consent: a grantee or stranger has none to revoke", async function () {
        const { consentRegistry, patient, clinic, stranger } = await loadFixture(consentFixture);
        await expect(consentRegistry.connect(stranger).revokeConsent(clinic.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentNotLive")
          .withArgs(stranger.address, clinic.address);
        await expect(consentRegistry.connect(clinic).revokeConsent(patient.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentNotLive")
          .withArgs(clinic.address, patient.address);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });
    });

    describe("Events", function () {
      it("Should emit ConsentRevoked with the patient as `by`", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        await expect(consentRegistry.connect(patient).revokeConsent(clinic.address))
          .to.emit(consentRegistry, "ConsentRevoked")
          .withArgs(patient.address, clinic.address, patient.address);
      });
    });

    describe("Effects", function () {
      it("Should end the consent: not live, no access, checkAccess AccessNoConsent", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        await consentRegistry.connect(patient).revokeConsent(clinic.address);
        const consent = await consentRegistry.consentOf(patient.address, clinic.address);
        expect(consent.expiresAt).to.equal(0n);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
          .withArgs(patient.address, clinic.address);
      });

      it("Should leave the patient's other consents live", async function () {
        const { consentRegistry, patient, clinic, lab } = await loadFixture(consentFixture);
        await consentRegistry.connect(patient).revokeConsent(clinic.address);
        expect(
          await consentRegistry.hasAccess(patient.address, lab.address, LAB_RESULTS, Action.Append, Purpose.Treatment),
        ).to.equal(true);
      });

      it("Should allow a new grant after revoking", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        await consentRegistry.connect(patient).revokeConsent(clinic.address);
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt);
        expect(terms(await consentRegistry.consentOf(patient.address, clinic.address))).to.deep.equal({
          categories: IMAGING,
          actions: Action.Read,
          purposes: Purpose.Treatment,
          grantedAt: await time.latest(),
          expiresAt,
          epoch: 0,
        });
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, IMAGING, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });
    });
  });

  describe("revokeAllConsents", function () {
    describe("Events", function () {
      it("Should emit AllConsentsRevoked with the new epoch, each time", async function () {
        const { consentRegistry, patient } = await loadFixture(consentFixture);
        await expect(consentRegistry.connect(patient).revokeAllConsents())
          .to.emit(consentRegistry, "AllConsentsRevoked")
          .withArgs(patient.address, 1);
        await expect(consentRegistry.connect(patient).revokeAllConsents())
          .to.emit(consentRegistry, "AllConsentsRevoked")
          .withArgs(patient.address, 2);
      });
    });

    describe("Effects", function () {
      it("Should bump the patient's epoch", async function () {
        const { consentRegistry, patient } = await loadFixture(revokedAllFixture);
        expect(await consentRegistry.epochOf(patient.address)).to.equal(1n);
      });

      it("Should end every consent of the patient", async function () {
        const { consentRegistry, patient, clinic, lab } = await loadFixture(revokedAllFixture);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
        expect(
          await consentRegistry.hasAccess(patient.address, lab.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
        for (const grantee of [clinic, lab]) {
          await expect(
            consentRegistry.checkAccess(patient.address, grantee.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
          )
            .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
            .withArgs(patient.address, grantee.address);
        }
      });

      it("Should leave other patients' consents and epochs untouched", async function () {
        const { consentRegistry, patient, other, clinic } = await loadFixture(twoPatientsFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(await consentRegistry.epochOf(other.address)).to.equal(0n);
        expect(
          await consentRegistry.hasAccess(other.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });

      it("Should keep the old consent's stored terms, stamped with the older epoch", async function () {
        const { consentRegistry, patient, clinic, expiresAt, grantedAt } = await loadFixture(grantedFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(terms(await consentRegistry.consentOf(patient.address, clinic.address))).to.deep.equal({
          categories: CLINIC_TERMS.categories,
          actions: CLINIC_TERMS.actions,
          purposes: CLINIC_TERMS.purposes,
          grantedAt,
          expiresAt,
          epoch: 0,
        });
      });

      it("Should make new grants live, carrying the new epoch", async function () {
        const { consentRegistry, patient, hospital, expiresAt } = await loadFixture(revokedAllFixture);
        await consentRegistry
          .connect(patient)
          .grantConsent(hospital.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt);
        expect((await consentRegistry.consentOf(patient.address, hospital.address)).epoch).to.equal(1n);
        expect(
          await consentRegistry.hasAccess(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });

      it("Should consume the patient's nonce, like useNonce but without NonceUsed", async function () {
        const { consentRegistry, patient } = await loadFixture(consentFixture);
        await consentRegistry.connect(patient).useNonce();
        await expect(consentRegistry.connect(patient).revokeAllConsents()).not.to.emit(consentRegistry, "NonceUsed");
        expect(await consentRegistry.nonces(patient.address)).to.equal(2n);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(await consentRegistry.nonces(patient.address)).to.equal(3n);
      });

      it("Should leave other patients' nonces untouched", async function () {
        const { consentRegistry, patient, other } = await loadFixture(consentFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(await consentRegistry.nonces(other.address)).to.equal(0n);
      });

      it("Should keep the emergency setting and open windows", async function () {
        const { consentRegistry, patient, hospital, until } = await loadFixture(brokenGlassFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(await consentRegistry.emergencyAccessAllowed(patient.address)).to.equal(true);
        expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(BigInt(until));
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            hospital.address,
            LAB_RESULTS,
            Action.Read,
            Purpose.Emergency,
          ),
        ).to.equal(true);
      });

      it("Should not revive older consents on a later revoke-all", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(revokedAllFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
      });
    });
  });

  describe("Delegates", function () {
    describe("setDelegate", function () {
      it("Should revert with ConsentInvalidDelegate for the zero address", async function () {
        const { consentRegistry, patient } = await loadFixture(deployFixture);
        await expect(consentRegistry.connect(patient).setDelegate(ethers.ZeroAddress, true))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidDelegate")
          .withArgs(ethers.ZeroAddress);
      });

      it("Should revert with ConsentInvalidDelegate for the patient themself", async function () {
        const { consentRegistry, patient } = await loadFixture(deployFixture);
        await expect(consentRegistry.connect(patient).setDelegate(patient.address, true))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidDelegate")
          .withArgs(patient.address);
      });

      it("Should emit DelegateSet when allowing and when removing", async function () {
        const { consentRegistry, patient, delegate } = await loadFixture(deployFixture);
        await expect(consentRegistry.connect(patient).setDelegate(delegate.address, true))
          .to.emit(consentRegistry, "DelegateSet")
          .withArgs(patient.address, delegate.address, true);
        await expect(consentRegistry.connect(patient).setDelegate(delegate.address, false))
          .to.emit(consentRegistry, "DelegateSet")
          .withArgs(patient.address, delegate.address, false);
      });

      it("Should record the delegate for that patient only", async function () {
        const { consentRegistry, patient, delegate, other } = await loadFixture(delegateFixture);
        expect(await consentRegistry.isDelegate(patient.address, delegate.address)).to.equal(true);
        expect(await consentRegistry.isDelegate(other.address, delegate.address)).to.equal(false);
        expect(await consentRegistry.isDelegate(delegate.address, patient.address)).to.equal(false);
      });

      it("Should remove a delegate", async function () {
        const { consentRegistry, patient, delegate } = await loadFixture(delegateFixture);
        await consentRegistry.connect(patient).setDelegate(delegate.address, false);
        expect(await consentRegistry.isDelegate(patient.address, delegate.address)).to.equal(false);
      });

      it("Should let the patient name a delegate again after revoke-all, in the new epoch", async function () {
        const { consentRegistry, patient, delegate, hospital, expiresAt } = await loadFixture(delegateFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        await expect(consentRegistry.connect(patient).setDelegate(delegate.address, true))
          .to.emit(consentRegistry, "DelegateSet")
          .withArgs(patient.address, delegate.address, true);
        expect(await consentRegistry.isDelegate(patient.address, delegate.address)).to.equal(true);
        await expect(
          consentRegistry
            .connect(delegate)
            .grantConsentFor(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt),
        ).to.emit(consentRegistry, "ConsentGranted");
      });
    });

    describe("revokeAllConsents removes delegates", function () {
      it("Should make isDelegate false for every delegate set before it", async function () {
        const { consentRegistry, patient, delegate, stranger } = await loadFixture(delegateFixture);
        await consentRegistry.connect(patient).setDelegate(stranger.address, true);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(await consentRegistry.isDelegate(patient.address, delegate.address)).to.equal(false);
        expect(await consentRegistry.isDelegate(patient.address, stranger.address)).to.equal(false);
      });

      it("Should refuse grantConsentFor and revokeConsentFor by a delegate set before it", async function () {
        const { consentRegistry, patient, delegate, hospital, expiresAt } = await loadFixture(delegateFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        // A live consent in the new epoch, so the refusal is the delegate's, not ConsentNotLive.
        await consentRegistry
          .connect(patient)
          .grantConsent(hospital.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt);
        await expect(
          consentRegistry
            .connect(delegate)
            .grantConsentFor(patient.address, hospital.address, MEDICATIONS, Action.Read, Purpose.Treatment, expiresAt),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
          .withArgs(patient.address, delegate.address);
        await expect(consentRegistry.connect(delegate).revokeConsentFor(patient.address, hospital.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
          .withArgs(patient.address, delegate.address);
        expect((await consentRegistry.consentOf(patient.address, hospital.address)).categories).to.equal(IMAGING);
      });

      it("Should not bring a delegate back on a later revoke-all", async function () {
        const { consentRegistry, patient, delegate } = await loadFixture(delegateFixture);
        await consentRegistry.connect(patient).revokeAllConsents();
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(await consentRegistry.isDelegate(patient.address, delegate.address)).to.equal(false);
      });

      it("Should leave the delegates of other patients in place", async function () {
        const { consentRegistry, patient, other, delegate } = await loadFixture(delegateFixture);
        await consentRegistry.connect(other).setDelegate(delegate.address, true);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(await consentRegistry.isDelegate(other.address, delegate.address)).to.equal(true);
      });
    });

    describe("grantConsentFor", function () {
      it("Should grant for the patient, with the delegate as `by`", async function () {
        const { consentRegistry, patient, delegate, hospital, expiresAt } = await loadFixture(delegateFixture);
        await expect(
          consentRegistry
            .connect(delegate)
            .grantConsentFor(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt),
        )
          .to.emit(consentRegistry, "ConsentGranted")
          .withArgs(
            patient.address,
            hospital.address,
            IMAGING,
            Action.Read,
            Purpose.Treatment,
            expiresAt,
            delegate.address,
          );
        expect(terms(await consentRegistry.consentOf(patient.address, hospital.address))).to.deep.equal({
          categories: IMAGING,
          actions: Action.Read,
          purposes: Purpose.Treatment,
          grantedAt: await time.latest(),
          expiresAt,
          epoch: 0,
        });
        expect(
          await consentRegistry.hasAccess(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Treatment),
        ).to.equal(true);
        // The consent is the patient's, not the delegate's.
        expect((await consentRegistry.consentOf(delegate.address, hospital.address)).expiresAt).to.equal(0n);
      });

      it("Should replace the patient's consent", async function () {
        const { consentRegistry, patient, delegate, clinic, expiresAt } = await loadFixture(delegateFixture);
        await consentRegistry
          .connect(delegate)
          .grantConsentFor(patient.address, clinic.address, MEDICATIONS, Action.Read, Purpose.Treatment, expiresAt);
        expect((await consentRegistry.consentOf(patient.address, clinic.address)).categories).to.equal(MEDICATIONS);
      });

      it("Should apply grantConsent's validations (self grant, inactive grantee, expiry)", async function () {
        const { consentRegistry, patient, delegate, clinic, expiresAt } = await loadFixture(delegateFixture);
        const asDelegate = consentRegistry.connect(delegate);
        await expect(
          asDelegate.grantConsentFor(
            patient.address,
            patient.address,
            IMAGING,
            Action.Read,
            Purpose.Treatment,
            expiresAt,
          ),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentSelfGrant")
          .withArgs(patient.address);
        await expect(
          asDelegate.grantConsentFor(
            patient.address,
            delegate.address,
            IMAGING,
            Action.Read,
            Purpose.Treatment,
            expiresAt,
          ),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentGranteeNotActive")
          .withArgs(delegate.address);
        await expect(
          asDelegate.grantConsentFor(patient.address, clinic.address, IMAGING, 4, Purpose.Treatment, expiresAt),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidActions")
          .withArgs(4);
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await expect(
          asDelegate.grantConsentFor(patient.address, clinic.address, IMAGING, Action.Read, Purpose.Treatment, now),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidExpiry")
          .withArgs(now, now + MAX_CONSENT_DURATION);
      });

      it("Should check the delegate before the terms", async function () {
        const { consentRegistry, patient, stranger } = await loadFixture(delegateFixture);
        await expect(
          consentRegistry.connect(stranger).grantConsentFor(patient.address, ethers.ZeroAddress, 0n, 0, 0, 0),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
          .withArgs(patient.address, stranger.address);
      });
    });

    describe("revokeConsentFor", function () {
      it("Should revoke for the patient, with the delegate as `by`", async function () {
        const { consentRegistry, patient, delegate, clinic } = await loadFixture(delegateFixture);
        await expect(consentRegistry.connect(delegate).revokeConsentFor(patient.address, clinic.address))
          .to.emit(consentRegistry, "ConsentRevoked")
          .withArgs(patient.address, clinic.address, delegate.address);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
      });

      it("Should revert with ConsentNotLive when there is nothing live to revoke", async function () {
        const { consentRegistry, patient, delegate, hospital } = await loadFixture(delegateFixture);
        await expect(consentRegistry.connect(delegate).revokeConsentFor(patient.address, hospital.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentNotLive")
          .withArgs(patient.address, hospital.address);
      });
    });

    describe("Who may act for the patient", function () {
      const callers = [
        ["a stranger", "stranger"],
        ["the admin", "admin"],
        ["a registrar", "registrar"],
        ["the grantee", "clinic"],
      ] as const;

      for (const [label, key] of callers) {
        it(`Should revert with ConsentUnauthorizedDelegate for ${label}`, async function () {
          const fixture = await loadFixture(delegateFixture);
          const { consentRegistry, patient, clinic, hospital, expiresAt } = fixture;
          const caller = fixture[key];
          await expect(
            consentRegistry
              .connect(caller)
              .grantConsentFor(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt),
          )
            .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
            .withArgs(patient.address, caller.address);
          await expect(consentRegistry.connect(caller).revokeConsentFor(patient.address, clinic.address))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
            .withArgs(patient.address, caller.address);
        });
      }

      it("Should revert with ConsentUnauthorizedDelegate for a removed delegate", async function () {
        const { consentRegistry, patient, delegate, clinic, hospital, expiresAt } = await loadFixture(delegateFixture);
        await consentRegistry.connect(patient).setDelegate(delegate.address, false);
        await expect(
          consentRegistry
            .connect(delegate)
            .grantConsentFor(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
          .withArgs(patient.address, delegate.address);
        await expect(consentRegistry.connect(delegate).revokeConsentFor(patient.address, clinic.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
          .withArgs(patient.address, delegate.address);
      });

      it("Should revert with ConsentUnauthorizedDelegate for a delegate of another patient", async function () {
        const { consentRegistry, patient, other, delegate, clinic, hospital, expiresAt } =
          await loadFixture(consentFixture);
        await consentRegistry.connect(other).setDelegate(delegate.address, true);
        await expect(
          consentRegistry
            .connect(delegate)
            .grantConsentFor(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Treatment, expiresAt),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
          .withArgs(patient.address, delegate.address);
        await expect(consentRegistry.connect(delegate).revokeConsentFor(patient.address, clinic.address))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentUnauthorizedDelegate")
          .withArgs(patient.address, delegate.address);
      });

      it("Should not let a delegate revoke all for the patient: revokeAllConsents bumps only the delegate's epoch", async function () {
        const { consentRegistry, patient, delegate, clinic } = await loadFixture(delegateFixture);
        await expect(consentRegistry.connect(delegate).revokeAllConsents())
          .to.emit(consentRegistry, "AllConsentsRevoked")
          .withArgs(delegate.address, 1);
        expect(await consentRegistry.epochOf(patient.address)).to.equal(0n);
        expect(await consentRegistry.epochOf(delegate.address)).to.equal(1n);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });

      it("Should not let a delegate refuse emergency access for the patient", async function () {
        const { consentRegistry, patient, delegate, hospital } = await loadFixture(delegateFixture);
        await expect(consentRegistry.connect(delegate).setEmergencyAccess(false))
          .to.emit(consentRegistry, "EmergencyAccessSet")
          .withArgs(delegate.address, false);
        expect(await consentRegistry.emergencyAccessAllowed(patient.address)).to.equal(true);
        expect(await consentRegistry.emergencyAccessAllowed(delegate.address)).to.equal(false);
        await expect(consentRegistry.connect(hospital).breakGlass(patient.address, REASON)).not.to.be.reverted;
      });

      it("Should not let a delegate name further delegates for the patient", async function () {
        const { consentRegistry, patient, delegate, stranger } = await loadFixture(delegateFixture);
        await consentRegistry.connect(delegate).setDelegate(stranger.address, true);
        expect(await consentRegistry.isDelegate(patient.address, stranger.address)).to.equal(false);
        expect(await consentRegistry.isDelegate(delegate.address, stranger.address)).to.equal(true);
      });
    });
  });

  describe("useNonce", function () {
    it("Should return the caller's current nonce", async function () {
      const { consentRegistry, patient } = await loadFixture(deployFixture);
      await consentRegistry.connect(patient).useNonce();
      expect(await consentRegistry.connect(patient).useNonce.staticCall()).to.equal(1n);
    });

    it("Should consume the nonce and emit NonceUsed, each time", async function () {
      const { consentRegistry, patient } = await loadFixture(deployFixture);
      await expect(consentRegistry.connect(patient).useNonce())
        .to.emit(consentRegistry, "NonceUsed")
        .withArgs(patient.address, 0);
      expect(await consentRegistry.nonces(patient.address)).to.equal(1n);
      await expect(consentRegistry.connect(patient).useNonce())
        .to.emit(consentRegistry, "NonceUsed")
        .withArgs(patient.address, 1);
      expect(await consentRegistry.nonces(patient.address)).to.equal(2n);
    });

    it("Should only consume the caller's own nonce", async function () {
      const { consentRegistry, patient, other } = await loadFixture(deployFixture);
      await consentRegistry.connect(patient).useNonce();
      expect(await consentRegistry.nonces(other.address)).to.equal(0n);
    });
  });

  describe("Emergency access", function () {
    describe("setEmergencyAccess", function () {
      it("Should emit EmergencyAccessSet and record the choice", async function () {
        const { consentRegistry, patient } = await loadFixture(providersFixture);
        await expect(consentRegistry.connect(patient).setEmergencyAccess(false))
          .to.emit(consentRegistry, "EmergencyAccessSet")
          .withArgs(patient.address, false);
        expect(await consentRegistry.emergencyAccessAllowed(patient.address)).to.equal(false);
        await expect(consentRegistry.connect(patient).setEmergencyAccess(true))
          .to.emit(consentRegistry, "EmergencyAccessSet")
          .withArgs(patient.address, true);
        expect(await consentRegistry.emergencyAccessAllowed(patient.address)).to.equal(true);
      });

      it("Should only change the caller's own setting", async function () {
        const { consentRegistry, patient, other } = await loadFixture(providersFixture);
        await consentRegistry.connect(patient).setEmergencyAccess(false);
        expect(await consentRegistry.emergencyAccessAllowed(other.address)).to.equal(true);
      });

      it("Should end an open window when turned off", async function () {
        const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
        await consentRegistry.connect(patient).setEmergencyAccess(false);
        expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(0n);
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            hospital.address,
            LAB_RESULTS,
            Action.Read,
            Purpose.Emergency,
          ),
        ).to.equal(false);
      });

      it("Should not revive the ended window when turned back on", async function () {
        const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
        await consentRegistry.connect(patient).setEmergencyAccess(false);
        await consentRegistry.connect(patient).setEmergencyAccess(true);
        expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(0n);
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            hospital.address,
            LAB_RESULTS,
            Action.Read,
            Purpose.Emergency,
          ),
        ).to.equal(false);
      });

      it("Should allow breaking the glass again once turned back on", async function () {
        const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
        await consentRegistry.connect(patient).setEmergencyAccess(false);
        await consentRegistry.connect(patient).setEmergencyAccess(true);
        await consentRegistry.connect(hospital).breakGlass(patient.address, REASON);
        expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(
          BigInt((await time.latest()) + EMERGENCY_WINDOW),
        );
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            hospital.address,
            LAB_RESULTS,
            Action.Read,
            Purpose.Emergency,
          ),
        ).to.equal(true);
      });

      it("Should leave an open window alone when set to allowed again", async function () {
        const { consentRegistry, patient, hospital, until } = await loadFixture(brokenGlassFixture);
        await consentRegistry.connect(patient).setEmergencyAccess(true);
        expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(BigInt(until));
      });
    });

    describe("breakGlass", function () {
      describe("Validations", function () {
        it("Should revert with ConsentNotEmergencyProvider for an active provider without the flag", async function () {
          const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
          await expect(consentRegistry.connect(clinic).breakGlass(patient.address, REASON))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentNotEmergencyProvider")
            .withArgs(clinic.address);
        });

        it("Should revert with ConsentNotEmergencyProvider for a suspended emergency-capable hospital", async function () {
          const { consentRegistry, providerRegistry, registrar, patient, hospital } =
            await loadFixture(providersFixture);
          await providerRegistry.connect(registrar).suspendProvider(hospital.address);
          await expect(consentRegistry.connect(hospital).breakGlass(patient.address, REASON))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentNotEmergencyProvider")
            .withArgs(hospital.address);
        });

        it("Should revert with ConsentNotEmergencyProvider for an unregistered account", async function () {
          const { consentRegistry, patient, stranger } = await loadFixture(providersFixture);
          await expect(consentRegistry.connect(stranger).breakGlass(patient.address, REASON))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentNotEmergencyProvider")
            .withArgs(stranger.address);
        });

        it("Should revert with ConsentEmergencyAccessDisabled when the patient turned it off", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(providersFixture);
          await consentRegistry.connect(patient).setEmergencyAccess(false);
          await expect(consentRegistry.connect(hospital).breakGlass(patient.address, REASON))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentEmergencyAccessDisabled")
            .withArgs(patient.address);
        });

        it("Should revert with ConsentInvalidPatient for the zero address", async function () {
          const { consentRegistry, hospital } = await loadFixture(providersFixture);
          await expect(consentRegistry.connect(hospital).breakGlass(ethers.ZeroAddress, REASON))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidPatient")
            .withArgs(ethers.ZeroAddress);
        });

        it("Should revert with ConsentInvalidPatient for the caller themself", async function () {
          const { consentRegistry, hospital } = await loadFixture(providersFixture);
          await expect(consentRegistry.connect(hospital).breakGlass(hospital.address, REASON))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidPatient")
            .withArgs(hospital.address);
        });

        it("Should revert with ConsentInvalidReason for a zero reason code", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(providersFixture);
          await expect(
            consentRegistry.connect(hospital).breakGlass(patient.address, ethers.ZeroHash),
          ).to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidReason");
        });

        for (const [label, offset] of [
          ["right after it opened", -EMERGENCY_WINDOW + 1],
          ["in its last second", -1],
        ] as const) {
          it(`Should revert with ConsentEmergencyAccessAlreadyOpen when renewed ${label}`, async function () {
            const { consentRegistry, patient, hospital, until } = await loadFixture(brokenGlassFixture);
            await time.setNextBlockTimestamp(until + offset);
            await expect(consentRegistry.connect(hospital).breakGlass(patient.address, REASON))
              .to.be.revertedWithCustomError(consentRegistry, "ConsentEmergencyAccessAlreadyOpen")
              .withArgs(patient.address, hospital.address, until);
            // The window is neither extended nor reopened.
            expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(
              BigInt(until),
            );
          });
        }

        it("Should count the window per patient: the hospital may break the glass on another one", async function () {
          const { consentRegistry, other, hospital } = await loadFixture(brokenGlassFixture);
          await expect(consentRegistry.connect(hospital).breakGlass(other.address, REASON)).to.emit(
            consentRegistry,
            "EmergencyAccessUsed",
          );
        });

        it("Should check the patient's setting before the open window", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
          await consentRegistry.connect(patient).setEmergencyAccess(false);
          await expect(consentRegistry.connect(hospital).breakGlass(patient.address, REASON))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentEmergencyAccessDisabled")
            .withArgs(patient.address);
        });
      });

      describe("Events", function () {
        it("Should emit EmergencyAccessUsed with the reason and the window's end", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(providersFixture);
          const now = (await time.latest()) + 100;
          await time.setNextBlockTimestamp(now);
          await expect(consentRegistry.connect(hospital).breakGlass(patient.address, REASON))
            .to.emit(consentRegistry, "EmergencyAccessUsed")
            .withArgs(patient.address, hospital.address, REASON, now + EMERGENCY_WINDOW);
        });
      });

      describe("Effects", function () {
        it("Should open a window of 24 hours from the block time", async function () {
          const { consentRegistry, patient, hospital, brokeAt } = await loadFixture(brokenGlassFixture);
          expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(
            BigInt(brokeAt + 86_400),
          );
        });

        it("Should open the window for that grantee and patient only", async function () {
          const { consentRegistry, patient, other, hospital, clinic } = await loadFixture(brokenGlassFixture);
          expect(await consentRegistry.emergencyAccessUntil(other.address, hospital.address)).to.equal(0n);
          expect(await consentRegistry.emergencyAccessUntil(patient.address, clinic.address)).to.equal(0n);
          expect(
            await consentRegistry.hasAccess(
              other.address,
              hospital.address,
              LAB_RESULTS,
              Action.Read,
              Purpose.Emergency,
            ),
          ).to.equal(false);
        });

        it("Should give READ for EMERGENCY on a routine category, and on every routine category at once", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
          for (const mask of [LAB_RESULTS, categories(Category.InsuranceBilling), ROUTINE_CATEGORIES]) {
            expect(
              await consentRegistry.hasAccess(patient.address, hospital.address, mask, Action.Read, Purpose.Emergency),
            ).to.equal(true);
            await expect(
              consentRegistry.checkAccess(patient.address, hospital.address, mask, Action.Read, Purpose.Emergency),
            ).not.to.be.reverted;
          }
        });

        for (const bit of [32, 33, 34, 35, 36]) {
          it(`Should not give access to sensitive category ${bit}`, async function () {
            const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
            expect(
              await consentRegistry.hasAccess(
                patient.address,
                hospital.address,
                categories(bit),
                Action.Read,
                Purpose.Emergency,
              ),
            ).to.equal(false);
            expect(
              await consentRegistry.hasAccess(
                patient.address,
                hospital.address,
                LAB_RESULTS | categories(bit),
                Action.Read,
                Purpose.Emergency,
              ),
            ).to.equal(false);
          });
        }

        it("Should not give access to every category including sensitive ones", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
          expect(
            await consentRegistry.hasAccess(
              patient.address,
              hospital.address,
              ALL_CATEGORIES,
              Action.Read,
              Purpose.Emergency,
            ),
          ).to.equal(false);
          expect(
            await consentRegistry.hasAccess(
              patient.address,
              hospital.address,
              SENSITIVE_CATEGORIES,
              Action.Read,
              Purpose.Emergency,
            ),
          ).to.equal(false);
        });

        it("Should not give APPEND, nor READ for another purpose", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
          expect(
            await consentRegistry.hasAccess(
              patient.address,
              hospital.address,
              LAB_RESULTS,
              Action.Append,
              Purpose.Emergency,
            ),
          ).to.equal(false);
          expect(
            await consentRegistry.hasAccess(
              patient.address,
              hospital.address,
              LAB_RESULTS,
              Action.Read,
              Purpose.Treatment,
            ),
          ).to.equal(false);
        });

        it("Should not let checkAccess pass for non-emergency requests", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
          for (const [action, purpose] of [
            [Action.Read, Purpose.Treatment],
            [Action.Append, Purpose.Emergency],
          ]) {
            await expect(consentRegistry.checkAccess(patient.address, hospital.address, LAB_RESULTS, action, purpose))
              .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
              .withArgs(patient.address, hospital.address);
          }
          await expect(
            consentRegistry.checkAccess(
              patient.address,
              hospital.address,
              MENTAL_HEALTH,
              Action.Read,
              Purpose.Emergency,
            ),
          )
            .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
            .withArgs(patient.address, hospital.address);
        });

        it("Should add to a consent without widening it: the consent's own reasons still apply", async function () {
          const { consentRegistry, patient, hospital } = await loadFixture(brokenGlassFixture);
          const expiresAt = (await time.latest()) + 30 * DAY;
          await consentRegistry
            .connect(patient)
            .grantConsent(hospital.address, LAB_RESULTS, Action.Read, Purpose.Treatment, expiresAt);
          // Emergency read of imaging: not in the consent, but the window covers it.
          expect(
            await consentRegistry.hasAccess(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Emergency),
          ).to.equal(true);
          // Treatment read of imaging: the window does not cover it, the consent refuses the category.
          await expect(
            consentRegistry.checkAccess(patient.address, hospital.address, IMAGING, Action.Read, Purpose.Treatment),
          )
            .to.be.revertedWithCustomError(consentRegistry, "AccessCategoryNotGranted")
            .withArgs(IMAGING);
        });

        it("Should give access until the second before the window ends", async function () {
          const { consentRegistry, patient, hospital, until } = await loadFixture(brokenGlassFixture);
          await time.increaseTo(until - 1);
          expect(
            await consentRegistry.hasAccess(
              patient.address,
              hospital.address,
              LAB_RESULTS,
              Action.Read,
              Purpose.Emergency,
            ),
          ).to.equal(true);
        });

        for (const offset of [0, 1]) {
          it(`Should end access at the window's end + ${offset}`, async function () {
            const { consentRegistry, patient, hospital, until } = await loadFixture(brokenGlassFixture);
            await time.increaseTo(until + offset);
            expect(
              await consentRegistry.hasAccess(
                patient.address,
                hospital.address,
                LAB_RESULTS,
                Action.Read,
                Purpose.Emergency,
              ),
            ).to.equal(false);
            await expect(
              consentRegistry.checkAccess(
                patient.address,
                hospital.address,
                LAB_RESULTS,
                Action.Read,
                Purpose.Emergency,
              ),
            )
              .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
              .withArgs(patient.address, hospital.address);
            // The past window stays readable.
            expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(
              BigInt(until),
            );
          });
        }

        it("Should let the glass be broken again once the window has ended, with a new event", async function () {
          const { consentRegistry, patient, hospital, until } = await loadFixture(brokenGlassFixture);
          await time.setNextBlockTimestamp(until);
          await expect(consentRegistry.connect(hospital).breakGlass(patient.address, REASON))
            .to.emit(consentRegistry, "EmergencyAccessUsed")
            .withArgs(patient.address, hospital.address, REASON, until + EMERGENCY_WINDOW);
          expect(await consentRegistry.emergencyAccessUntil(patient.address, hospital.address)).to.equal(
            BigInt(until + EMERGENCY_WINDOW),
          );
          await time.increaseTo(until + HOUR);
          expect(
            await consentRegistry.hasAccess(
              patient.address,
              hospital.address,
              LAB_RESULTS,
              Action.Read,
              Purpose.Emergency,
            ),
          ).to.equal(true);
        });

        it("Should end the hospital's emergency access when it is suspended, and restore it when reinstated", async function () {
          const { consentRegistry, providerRegistry, registrar, patient, hospital } =
            await loadFixture(brokenGlassFixture);
          await providerRegistry.connect(registrar).suspendProvider(hospital.address);
          expect(
            await consentRegistry.hasAccess(
              patient.address,
              hospital.address,
              LAB_RESULTS,
              Action.Read,
              Purpose.Emergency,
            ),
          ).to.equal(false);
          await expect(
            consentRegistry.checkAccess(patient.address, hospital.address, LAB_RESULTS, Action.Read, Purpose.Emergency),
          )
            .to.be.revertedWithCustomError(consentRegistry, "AccessProviderInactive")
            .withArgs(hospital.address);
          await providerRegistry.connect(registrar).reinstateProvider(hospital.address);
          expect(
            await consentRegistry.hasAccess(
              patient.address,
              hospital.address,
              LAB_RESULTS,
              Action.Read,
              Purpose.Emergency,
            ),
          ).to.equal(true);
        });
      });
    });
  });

  describe("hasAccess and checkAccess", function () {
    describe("Valid requests", function () {
      it("Should pass when the consent covers the categories, the action and the purpose", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        for (const mask of [LAB_RESULTS, MEDICATIONS, CLINIC_TERMS.categories]) {
          expect(
            await consentRegistry.hasAccess(patient.address, clinic.address, mask, Action.Read, Purpose.Treatment),
          ).to.equal(true);
          await expect(
            consentRegistry.checkAccess(patient.address, clinic.address, mask, Action.Read, Purpose.Treatment),
          ).not.to.be.reverted;
        }
      });

      it("Should answer for the asking grantee only", async function () {
        const { consentRegistry, patient, clinic, hospital } = await loadFixture(consentFixture);
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            hospital.address,
            LAB_RESULTS,
            Action.Read,
            Purpose.Treatment,
          ),
        ).to.equal(false);
        expect(
          await consentRegistry.hasAccess(clinic.address, patient.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
      });
    });

    describe("Invalid arguments", function () {
      const invalid = [
        ["no categories", 0n, Action.Read, Purpose.Treatment],
        ["undefined category bit 13", LAB_RESULTS | categories(13), Action.Read, Purpose.Treatment],
        ["undefined category bit 63", LAB_RESULTS | (1n << 63n), Action.Read, Purpose.Treatment],
        ["action 0", LAB_RESULTS, 0, Purpose.Treatment],
        ["action 3 (two bits)", LAB_RESULTS, 3, Purpose.Treatment],
        ["action 4", LAB_RESULTS, 4, Purpose.Treatment],
        ["purpose 0", LAB_RESULTS, Action.Read, 0],
        ["purpose 3 (two bits)", LAB_RESULTS, Action.Read, 3],
        ["purpose 64", LAB_RESULTS, Action.Read, 64],
      ] as const;

      for (const [label, mask, action, purpose] of invalid) {
        it(`Should refuse ${label}: hasAccess false, checkAccess AccessInvalidArgument`, async function () {
          // The clinic's consent grants everything, so only the argument can fail.
          const { consentRegistry, patient, clinic } = await loadFixture(providersFixture);
          const expiresAt = (await time.latest()) + DAY;
          await consentRegistry
            .connect(patient)
            .grantConsent(clinic.address, ALL_CATEGORIES, ALL_ACTIONS, ALL_PURPOSES, expiresAt);
          expect(await consentRegistry.hasAccess(patient.address, clinic.address, mask, action, purpose)).to.equal(
            false,
          );
          await expect(consentRegistry.checkAccess(patient.address, clinic.address, mask, action, purpose))
            .to.be.revertedWithCustomError(consentRegistry, "AccessInvalidArgument")
            .withArgs(mask, action, purpose);
        });
      }

      it("Should report an invalid argument before an inactive provider", async function () {
        const { consentRegistry, patient, stranger } = await loadFixture(consentFixture);
        await expect(consentRegistry.checkAccess(patient.address, stranger.address, LAB_RESULTS, 3, Purpose.Treatment))
          .to.be.revertedWithCustomError(consentRegistry, "AccessInvalidArgument")
          .withArgs(LAB_RESULTS, 3, Purpose.Treatment);
      });
    });

    describe("Provider status", function () {
      it("Should refuse an unregistered grantee with AccessProviderInactive", async function () {
        const { consentRegistry, patient, stranger } = await loadFixture(consentFixture);
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            stranger.address,
            LAB_RESULTS,
            Action.Read,
            Purpose.Treatment,
          ),
        ).to.equal(false);
        await expect(
          consentRegistry.checkAccess(patient.address, stranger.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessProviderInactive")
          .withArgs(stranger.address);
      });

      it("Should refuse a suspended grantee with AccessProviderInactive, its consent untouched", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(suspendedClinicFixture);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(false);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessProviderInactive")
          .withArgs(clinic.address);
      });

      it("Should restore access when the grantee is reinstated, with the consent as it was", async function () {
        const { consentRegistry, providerRegistry, registrar, patient, clinic } = await loadFixture(consentFixture);
        const before = terms(await consentRegistry.consentOf(patient.address, clinic.address));
        await providerRegistry.connect(registrar).suspendProvider(clinic.address);
        expect(terms(await consentRegistry.consentOf(patient.address, clinic.address))).to.deep.equal(before);
        await providerRegistry.connect(registrar).reinstateProvider(clinic.address);
        expect(terms(await consentRegistry.consentOf(patient.address, clinic.address))).to.deep.equal(before);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        ).to.equal(true);
      });
    });

    describe("Consent", function () {
      it("Should refuse with AccessNoConsent when never granted", async function () {
        const { consentRegistry, patient, hospital } = await loadFixture(consentFixture);
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            hospital.address,
            LAB_RESULTS,
            Action.Read,
            Purpose.Treatment,
          ),
        ).to.equal(false);
        await expect(
          consentRegistry.checkAccess(patient.address, hospital.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
          .withArgs(patient.address, hospital.address);
      });

      it("Should refuse with AccessNoConsent for a consent from an older epoch", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(revokedAllFixture);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Treatment),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
          .withArgs(patient.address, clinic.address);
      });

      it("Should refuse with AccessCategoryNotGranted, naming exactly the missing categories", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        const asked = LAB_RESULTS | IMAGING | MENTAL_HEALTH;
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, asked, Action.Read, Purpose.Treatment),
        ).to.equal(false);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, asked, Action.Read, Purpose.Treatment),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessCategoryNotGranted")
          .withArgs(IMAGING | MENTAL_HEALTH);
      });

      it("Should refuse with AccessActionNotGranted", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        expect(
          await consentRegistry.hasAccess(
            patient.address,
            clinic.address,
            LAB_RESULTS,
            Action.Append,
            Purpose.Treatment,
          ),
        ).to.equal(false);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Append, Purpose.Treatment),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessActionNotGranted")
          .withArgs(Action.Append);
      });

      it("Should refuse with AccessPurposeNotGranted", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        expect(
          await consentRegistry.hasAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Research),
        ).to.equal(false);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Research),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessPurposeNotGranted")
          .withArgs(Purpose.Research);
      });

      it("Should not let an emergency purpose through a consent without it", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Read, Purpose.Emergency),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessPurposeNotGranted")
          .withArgs(Purpose.Emergency);
      });
    });

    describe("Order of reasons", function () {
      it("Should report an inactive provider before an expired consent", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(suspendedClinicFixture);
        await time.increaseTo(expiresAt + 1);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, IMAGING, Action.Append, Purpose.Research),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessProviderInactive")
          .withArgs(clinic.address);
      });

      it("Should report no consent before anything the old consent would refuse", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(revokedAllFixture);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, IMAGING, Action.Append, Purpose.Research),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
          .withArgs(patient.address, clinic.address);
      });

      it("Should report an expired consent before a missing category", async function () {
        const { consentRegistry, patient, clinic, expiresAt } = await loadFixture(consentFixture);
        await time.increaseTo(expiresAt);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, IMAGING, Action.Append, Purpose.Research),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessExpired")
          .withArgs(patient.address, clinic.address, expiresAt);
      });

      it("Should report a missing category before a missing action", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, IMAGING, Action.Append, Purpose.Research),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessCategoryNotGranted")
          .withArgs(IMAGING);
      });

      it("Should report a missing action before a missing purpose", async function () {
        const { consentRegistry, patient, clinic } = await loadFixture(consentFixture);
        await expect(
          consentRegistry.checkAccess(patient.address, clinic.address, LAB_RESULTS, Action.Append, Purpose.Research),
        )
          .to.be.revertedWithCustomError(consentRegistry, "AccessActionNotGranted")
          .withArgs(Action.Append);
      });
    });
  });

  describe("consentOf and epochOf", function () {
    it("Should return the stored consent", async function () {
      const { consentRegistry, patient, clinic, grantedAt, expiresAt } = await loadFixture(grantedFixture);
      expect(terms(await consentRegistry.consentOf(patient.address, clinic.address))).to.deep.equal({
        categories: CLINIC_TERMS.categories,
        actions: CLINIC_TERMS.actions,
        purposes: CLINIC_TERMS.purposes,
        grantedAt,
        expiresAt,
        epoch: 0,
      });
    });

    it("Should return an empty consent for a pair never granted", async function () {
      const { consentRegistry, patient, hospital } = await loadFixture(consentFixture);
      expect(terms(await consentRegistry.consentOf(patient.address, hospital.address))).to.deep.equal(EMPTY_CONSENT);
    });

    it("Should return each patient's own epoch", async function () {
      const { consentRegistry, patient, other } = await loadFixture(deployFixture);
      await consentRegistry.connect(patient).revokeAllConsents();
      await consentRegistry.connect(patient).revokeAllConsents();
      await consentRegistry.connect(other).revokeAllConsents();
      expect(await consentRegistry.epochOf(patient.address)).to.equal(2n);
      expect(await consentRegistry.epochOf(other.address)).to.equal(1n);
    });
  });
});
