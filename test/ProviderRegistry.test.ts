import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers, ignition } from "hardhat";
import MedConsentModule from "@/ignition/modules/MedConsent";
import type { ProviderRegistry } from "@/typechain-types";
import { Category, ProviderKind, ProviderStatus, DAY } from "@/harness/contracts/codes";
import { ADMIN_DELAY, CREDENTIAL, consentFixture, deployFixture, providersFixture } from "@/harness/contracts/fixtures";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const REGISTRAR_ROLE = ethers.id("REGISTRAR_ROLE");
const NAME = "Eastgate Radiology";
const OTHER_CREDENTIAL = ethers.id("licence:eastgate-radiology");

describe("ProviderRegistry", function () {
  /** Deployed with an `admin` Ignition parameter that is not the deploying account. */
  async function separateAdminFixture() {
    const [deployer, , , , , , , , , , admin, provider] = await ethers.getSigners();
    const deployed = await ignition.deploy(MedConsentModule, { parameters: { MedConsent: { admin: admin.address } } });
    const providerRegistry = deployed.providerRegistry as unknown as ProviderRegistry;
    return { providerRegistry, deployer, admin, provider };
  }

  /** Providers, with the clinic suspended. */
  async function suspendedFixture() {
    const base = await providersFixture();
    await base.providerRegistry.connect(base.registrar).suspendProvider(base.clinic.address);
    return base;
  }

  /** Deployment, with the admin's handover to `other` begun. */
  async function handoverFixture() {
    const base = await deployFixture();
    const { providerRegistry, admin, other } = base;
    await providerRegistry.connect(admin).beginDefaultAdminTransfer(other.address);
    const schedule = (await time.latest()) + ADMIN_DELAY;
    return { ...base, newAdmin: other, schedule };
  }

  describe("Deployment", function () {
    it('Should expose REGISTRAR_ROLE as keccak256("REGISTRAR_ROLE")', async function () {
      const { providerRegistry } = await loadFixture(deployFixture);
      expect(await providerRegistry.REGISTRAR_ROLE()).to.equal(REGISTRAR_ROLE);
    });

    it("Should give the admin both the default admin and the registrar roles", async function () {
      const { providerRegistry, admin } = await loadFixture(deployFixture);
      expect(await providerRegistry.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.be.true;
      expect(await providerRegistry.hasRole(REGISTRAR_ROLE, admin.address)).to.be.true;
      expect(await providerRegistry.defaultAdmin()).to.equal(admin.address);
    });

    it("Should set the admin delay to one day", async function () {
      const { providerRegistry } = await loadFixture(deployFixture);
      expect(await providerRegistry.defaultAdminDelay()).to.equal(DAY);
    });

    it("Should give both roles to an `admin` parameter other than the deployer, and none to the deployer", async function () {
      const { providerRegistry, deployer, admin } = await loadFixture(separateAdminFixture);
      expect(admin.address).to.not.equal(deployer.address);
      expect(await providerRegistry.defaultAdmin()).to.equal(admin.address);
      expect(await providerRegistry.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.be.true;
      expect(await providerRegistry.hasRole(REGISTRAR_ROLE, admin.address)).to.be.true;
      expect(await providerRegistry.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.be.false;
      expect(await providerRegistry.hasRole(REGISTRAR_ROLE, deployer.address)).to.be.false;
    });

    it("Should let that admin register providers and refuse the deployer", async function () {
      const { providerRegistry, deployer, admin, provider } = await loadFixture(separateAdminFixture);
      await expect(providerRegistry.connect(deployer).registerProvider(provider.address, 0, NAME, CREDENTIAL))
        .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, REGISTRAR_ROLE);
      await expect(providerRegistry.connect(admin).registerProvider(provider.address, 0, NAME, CREDENTIAL))
        .to.emit(providerRegistry, "ProviderRegistered")
        .withArgs(provider.address, 0, NAME, CREDENTIAL, admin.address);
    });

    it("Should let that admin grant the registrar role and refuse the deployer", async function () {
      const { providerRegistry, deployer, admin, provider } = await loadFixture(separateAdminFixture);
      await expect(providerRegistry.connect(deployer).grantRole(REGISTRAR_ROLE, provider.address))
        .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, DEFAULT_ADMIN_ROLE);
      await providerRegistry.connect(admin).grantRole(REGISTRAR_ROLE, provider.address);
      expect(await providerRegistry.hasRole(REGISTRAR_ROLE, provider.address)).to.be.true;
    });
  });

  describe("registerProvider", function () {
    describe("Validations", function () {
      it("Should revert for an account without the registrar role", async function () {
        const { providerRegistry, stranger, other } = await loadFixture(deployFixture);
        await expect(
          providerRegistry.connect(stranger).registerProvider(other.address, ProviderKind.Clinician, NAME, CREDENTIAL),
        )
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, REGISTRAR_ROLE);
      });

      it("Should revert for a registrar whose role was revoked", async function () {
        const { providerRegistry, admin, registrar, other } = await loadFixture(deployFixture);
        await providerRegistry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);
        await expect(
          providerRegistry.connect(registrar).registerProvider(other.address, ProviderKind.Clinician, NAME, CREDENTIAL),
        )
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(registrar.address, REGISTRAR_ROLE);
        expect(await providerRegistry.isActiveProvider(other.address)).to.be.false;
      });

      it("Should revert for the zero address", async function () {
        const { providerRegistry, registrar } = await loadFixture(deployFixture);
        await expect(
          providerRegistry
            .connect(registrar)
            .registerProvider(ethers.ZeroAddress, ProviderKind.Clinician, NAME, CREDENTIAL),
        )
          .to.be.revertedWithCustomError(providerRegistry, "ProviderInvalidAddress")
          .withArgs(ethers.ZeroAddress);
      });

      it("Should revert for an active provider registered again", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(providersFixture);
        await expect(
          providerRegistry
            .connect(registrar)
            .registerProvider(clinic.address, ProviderKind.Clinician, NAME, OTHER_CREDENTIAL),
        )
          .to.be.revertedWithCustomError(providerRegistry, "ProviderAlreadyRegistered")
          .withArgs(clinic.address);
      });

      it("Should revert for a suspended provider registered again", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(suspendedFixture);
        await expect(
          providerRegistry
            .connect(registrar)
            .registerProvider(clinic.address, ProviderKind.Clinician, NAME, OTHER_CREDENTIAL),
        )
          .to.be.revertedWithCustomError(providerRegistry, "ProviderAlreadyRegistered")
          .withArgs(clinic.address);
        expect((await providerRegistry.getProvider(clinic.address)).status).to.equal(ProviderStatus.Suspended);
      });

      it("Should revert for kind 5, just past payer", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        await expect(providerRegistry.connect(registrar).registerProvider(other.address, 5, NAME, CREDENTIAL))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderInvalidKind")
          .withArgs(5);
      });

      it("Should revert for kind 255", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        await expect(providerRegistry.connect(registrar).registerProvider(other.address, 255, NAME, CREDENTIAL))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderInvalidKind")
          .withArgs(255);
      });

      it("Should accept every defined kind, 0 to 4", async function () {
        const { providerRegistry, registrar } = await loadFixture(deployFixture);
        const accounts = (await ethers.getSigners()).slice(10, 15);
        for (const [kind, account] of Object.values(ProviderKind).map((k, i) => [k, accounts[i]] as const)) {
          await providerRegistry.connect(registrar).registerProvider(account.address, kind, NAME, CREDENTIAL);
          expect((await providerRegistry.getProvider(account.address)).kind).to.equal(kind);
        }
      });

      it("Should revert for an empty name", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        await expect(providerRegistry.connect(registrar).registerProvider(other.address, 0, "", CREDENTIAL))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderInvalidName")
          .withArgs(0);
      });

      it("Should revert for a 65-byte name", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        await expect(providerRegistry.connect(registrar).registerProvider(other.address, 0, "a".repeat(65), CREDENTIAL))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderInvalidName")
          .withArgs(65);
      });

      it("Should accept a 64-byte name", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        const name = "a".repeat(64);
        await providerRegistry.connect(registrar).registerProvider(other.address, 0, name, CREDENTIAL);
        expect((await providerRegistry.getProvider(other.address)).name).to.equal(name);
      });

      it("Should accept a one-byte name", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        await providerRegistry.connect(registrar).registerProvider(other.address, 0, "X", CREDENTIAL);
        expect((await providerRegistry.getProvider(other.address)).name).to.equal("X");
      });

      it("Should count a multi-byte UTF-8 name in bytes: 33 characters of 2 bytes are rejected as 66", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        const name = "é".repeat(33);
        expect(name.length).to.equal(33);
        await expect(providerRegistry.connect(registrar).registerProvider(other.address, 0, name, CREDENTIAL))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderInvalidName")
          .withArgs(66);
      });

      it("Should accept a multi-byte UTF-8 name of exactly 64 bytes and return it intact", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        const name = "é".repeat(32);
        expect(ethers.toUtf8Bytes(name).length).to.equal(64);
        await providerRegistry.connect(registrar).registerProvider(other.address, 0, name, CREDENTIAL);
        expect((await providerRegistry.getProvider(other.address)).name).to.equal(name);
      });

      it("Should reject a 4-byte emoji pushing a 61-byte name to 65 bytes", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        const name = "a".repeat(61) + "🏥";
        await expect(providerRegistry.connect(registrar).registerProvider(other.address, 0, name, CREDENTIAL))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderInvalidName")
          .withArgs(65);
      });

      it("Should revert for a zero credential hash", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        await expect(providerRegistry.connect(registrar).registerProvider(other.address, 0, NAME, ethers.ZeroHash))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderInvalidCredentialHash")
          .withArgs();
      });
    });

    describe("Events", function () {
      it("Should emit ProviderRegistered with the provider, kind, name, credential hash and registrar", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        await expect(
          providerRegistry
            .connect(registrar)
            .registerProvider(other.address, ProviderKind.Researcher, NAME, OTHER_CREDENTIAL),
        )
          .to.emit(providerRegistry, "ProviderRegistered")
          .withArgs(other.address, ProviderKind.Researcher, NAME, OTHER_CREDENTIAL, registrar.address);
      });

      it("Should name the admin as registrar when the admin registers", async function () {
        const { providerRegistry, admin, other } = await loadFixture(deployFixture);
        await expect(
          providerRegistry.connect(admin).registerProvider(other.address, ProviderKind.Payer, NAME, CREDENTIAL),
        )
          .to.emit(providerRegistry, "ProviderRegistered")
          .withArgs(other.address, ProviderKind.Payer, NAME, CREDENTIAL, admin.address);
      });
    });

    describe("Effects", function () {
      it("Should store the provider as active, not emergency-capable, registered at the block's time", async function () {
        const { providerRegistry, registrar, other } = await loadFixture(deployFixture);
        const tx = await providerRegistry
          .connect(registrar)
          .registerProvider(other.address, ProviderKind.Laboratory, NAME, OTHER_CREDENTIAL);
        const receipt = await tx.wait();
        const block = await ethers.provider.getBlock(receipt!.blockNumber);

        const provider = await providerRegistry.getProvider(other.address);
        expect(provider.kind).to.equal(ProviderKind.Laboratory);
        expect(provider.status).to.equal(ProviderStatus.Active);
        expect(provider.emergencyCapable).to.be.false;
        expect(provider.registeredAt).to.equal(block!.timestamp);
        expect(provider.credentialHash).to.equal(OTHER_CREDENTIAL);
        expect(provider.name).to.equal(NAME);
        expect(await providerRegistry.isActiveProvider(other.address)).to.be.true;
        expect(await providerRegistry.isEmergencyProvider(other.address)).to.be.false;
      });

      it("Should leave other accounts unregistered", async function () {
        const { providerRegistry, registrar, other, stranger } = await loadFixture(deployFixture);
        await providerRegistry.connect(registrar).registerProvider(other.address, 0, NAME, CREDENTIAL);
        expect(await providerRegistry.isActiveProvider(stranger.address)).to.be.false;
        expect((await providerRegistry.getProvider(stranger.address)).status).to.equal(ProviderStatus.None);
      });
    });
  });

  describe("suspendProvider", function () {
    describe("Validations", function () {
      it("Should revert for an account without the registrar role", async function () {
        const { providerRegistry, stranger, clinic } = await loadFixture(providersFixture);
        await expect(providerRegistry.connect(stranger).suspendProvider(clinic.address))
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, REGISTRAR_ROLE);
      });

      it("Should revert for an unregistered provider", async function () {
        const { providerRegistry, registrar, stranger } = await loadFixture(providersFixture);
        await expect(providerRegistry.connect(registrar).suspendProvider(stranger.address))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderNotActive")
          .withArgs(stranger.address);
      });

      it("Should revert for a provider already suspended", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(suspendedFixture);
        await expect(providerRegistry.connect(registrar).suspendProvider(clinic.address))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderNotActive")
          .withArgs(clinic.address);
      });
    });

    describe("Events", function () {
      it("Should emit ProviderSuspended with the provider and registrar", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(providersFixture);
        await expect(providerRegistry.connect(registrar).suspendProvider(clinic.address))
          .to.emit(providerRegistry, "ProviderSuspended")
          .withArgs(clinic.address, registrar.address);
      });
    });

    describe("Effects", function () {
      it("Should make the provider inactive and keep the rest of its record", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(providersFixture);
        const before = await providerRegistry.getProvider(clinic.address);
        await providerRegistry.connect(registrar).suspendProvider(clinic.address);

        const after = await providerRegistry.getProvider(clinic.address);
        expect(await providerRegistry.isActiveProvider(clinic.address)).to.be.false;
        expect(after.status).to.equal(ProviderStatus.Suspended);
        expect(after.kind).to.equal(before.kind);
        expect(after.registeredAt).to.equal(before.registeredAt);
        expect(after.credentialHash).to.equal(before.credentialHash);
        expect(after.name).to.equal(before.name);
      });

      it("Should end an emergency-capable provider's emergency standing", async function () {
        const { providerRegistry, registrar, hospital } = await loadFixture(providersFixture);
        expect(await providerRegistry.isEmergencyProvider(hospital.address)).to.be.true;
        await providerRegistry.connect(registrar).suspendProvider(hospital.address);
        expect(await providerRegistry.isEmergencyProvider(hospital.address)).to.be.false;
        expect((await providerRegistry.getProvider(hospital.address)).emergencyCapable).to.be.true;
      });

      it("Should end the provider's access without touching its consent", async function () {
        const { providerRegistry, consentRegistry, registrar, patient, clinic } = await loadFixture(consentFixture);
        const mask = 1n << BigInt(Category.LabResults);
        expect(await consentRegistry.hasAccess(patient.address, clinic.address, mask, 1, 1)).to.be.true;
        const consentBefore = await consentRegistry.consentOf(patient.address, clinic.address);

        await providerRegistry.connect(registrar).suspendProvider(clinic.address);

        expect(await consentRegistry.hasAccess(patient.address, clinic.address, mask, 1, 1)).to.be.false;
        expect(await consentRegistry.consentOf(patient.address, clinic.address)).to.deep.equal(consentBefore);
      });
    });
  });

  describe("reinstateProvider", function () {
    describe("Validations", function () {
      it("Should revert for an account without the registrar role", async function () {
        const { providerRegistry, stranger, clinic } = await loadFixture(suspendedFixture);
        await expect(providerRegistry.connect(stranger).reinstateProvider(clinic.address))
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, REGISTRAR_ROLE);
      });

      it("Should revert for an active provider", async function () {
        const { providerRegistry, registrar, lab } = await loadFixture(suspendedFixture);
        await expect(providerRegistry.connect(registrar).reinstateProvider(lab.address))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderNotSuspended")
          .withArgs(lab.address);
      });

      it("Should revert for an unregistered provider", async function () {
        const { providerRegistry, registrar, stranger } = await loadFixture(suspendedFixture);
        await expect(providerRegistry.connect(registrar).reinstateProvider(stranger.address))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderNotSuspended")
          .withArgs(stranger.address);
      });
    });

    describe("Events", function () {
      it("Should emit ProviderReinstated with the provider and registrar", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(suspendedFixture);
        await expect(providerRegistry.connect(registrar).reinstateProvider(clinic.address))
          .to.emit(providerRegistry, "ProviderReinstated")
          .withArgs(clinic.address, registrar.address);
      });
    });

    describe("Effects", function () {
      it("Should make the provider active again with its original registration time", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(suspendedFixture);
        const before = await providerRegistry.getProvider(clinic.address);
        await time.increase(DAY);
        await providerRegistry.connect(registrar).reinstateProvider(clinic.address);

        expect(await providerRegistry.isActiveProvider(clinic.address)).to.be.true;
        const after = await providerRegistry.getProvider(clinic.address);
        expect(after.status).to.equal(ProviderStatus.Active);
        expect(after.registeredAt).to.equal(before.registeredAt);
      });

      it("Should restore an emergency-capable provider's emergency standing", async function () {
        const { providerRegistry, registrar, hospital } = await loadFixture(providersFixture);
        await providerRegistry.connect(registrar).suspendProvider(hospital.address);
        await providerRegistry.connect(registrar).reinstateProvider(hospital.address);
        expect(await providerRegistry.isEmergencyProvider(hospital.address)).to.be.true;
      });

      it("Should let a live consent apply again", async function () {
        const { providerRegistry, consentRegistry, registrar, patient, clinic } = await loadFixture(consentFixture);
        const mask = 1n << BigInt(Category.LabResults);
        await providerRegistry.connect(registrar).suspendProvider(clinic.address);
        await providerRegistry.connect(registrar).reinstateProvider(clinic.address);
        expect(await consentRegistry.hasAccess(patient.address, clinic.address, mask, 1, 1)).to.be.true;
      });

      it("Should allow suspending again after reinstatement", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(suspendedFixture);
        await providerRegistry.connect(registrar).reinstateProvider(clinic.address);
        await expect(providerRegistry.connect(registrar).suspendProvider(clinic.address))
          .to.emit(providerRegistry, "ProviderSuspended")
          .withArgs(clinic.address, registrar.address);
        expect(await providerRegistry.isActiveProvider(clinic.address)).to.be.false;
      });
    });
  });

  describe("setEmergencyCapable", function () {
    describe("Validations", function () {
      it("Should revert for an account without the registrar role", async function () {
        const { providerRegistry, stranger, clinic } = await loadFixture(providersFixture);
        await expect(providerRegistry.connect(stranger).setEmergencyCapable(clinic.address, true))
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, REGISTRAR_ROLE);
      });

      it("Should revert for an unregistered provider", async function () {
        const { providerRegistry, registrar, stranger } = await loadFixture(providersFixture);
        await expect(providerRegistry.connect(registrar).setEmergencyCapable(stranger.address, true))
          .to.be.revertedWithCustomError(providerRegistry, "ProviderNotRegistered")
          .withArgs(stranger.address);
      });

      it("Should accept a suspended provider, which stays without emergency standing until reinstated", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(suspendedFixture);
        await providerRegistry.connect(registrar).setEmergencyCapable(clinic.address, true);
        expect((await providerRegistry.getProvider(clinic.address)).emergencyCapable).to.be.true;
        expect(await providerRegistry.isEmergencyProvider(clinic.address)).to.be.false;
        await providerRegistry.connect(registrar).reinstateProvider(clinic.address);
        expect(await providerRegistry.isEmergencyProvider(clinic.address)).to.be.true;
      });
    });

    describe("Events", function () {
      it("Should emit EmergencyCapabilitySet when granting", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(providersFixture);
        await expect(providerRegistry.connect(registrar).setEmergencyCapable(clinic.address, true))
          .to.emit(providerRegistry, "EmergencyCapabilitySet")
          .withArgs(clinic.address, true, registrar.address);
      });

      it("Should emit EmergencyCapabilitySet when removing", async function () {
        const { providerRegistry, registrar, hospital } = await loadFixture(providersFixture);
        await expect(providerRegistry.connect(registrar).setEmergencyCapable(hospital.address, false))
          .to.emit(providerRegistry, "EmergencyCapabilitySet")
          .withArgs(hospital.address, false, registrar.address);
      });
    });

    describe("Effects", function () {
      it("Should flag an active provider as an emergency provider", async function () {
        const { providerRegistry, registrar, clinic } = await loadFixture(providersFixture);
        expect(await providerRegistry.isEmergencyProvider(clinic.address)).to.be.false;
        await providerRegistry.connect(registrar).setEmergencyCapable(clinic.address, true);
        expect(await providerRegistry.isEmergencyProvider(clinic.address)).to.be.true;
        expect((await providerRegistry.getProvider(clinic.address)).emergencyCapable).to.be.true;
      });

      it("Should remove the flag", async function () {
        const { providerRegistry, registrar, hospital } = await loadFixture(providersFixture);
        await providerRegistry.connect(registrar).setEmergencyCapable(hospital.address, false);
        expect(await providerRegistry.isEmergencyProvider(hospital.address)).to.be.false;
        expect((await providerRegistry.getProvider(hospital.address)).emergencyCapable).to.be.false;
        expect(await providerRegistry.isActiveProvider(hospital.address)).to.be.true;
      });
    });
  });

  describe("isActiveProvider", function () {
    it("Should be false for an unregistered account and the zero address", async function () {
      const { providerRegistry, stranger } = await loadFixture(providersFixture);
      expect(await providerRegistry.isActiveProvider(stranger.address)).to.be.false;
      expect(await providerRegistry.isActiveProvider(ethers.ZeroAddress)).to.be.false;
    });

    it("Should follow suspension and reinstatement", async function () {
      const { providerRegistry, registrar, clinic } = await loadFixture(providersFixture);
      expect(await providerRegistry.isActiveProvider(clinic.address)).to.be.true;
      await providerRegistry.connect(registrar).suspendProvider(clinic.address);
      expect(await providerRegistry.isActiveProvider(clinic.address)).to.be.false;
      await providerRegistry.connect(registrar).reinstateProvider(clinic.address);
      expect(await providerRegistry.isActiveProvider(clinic.address)).to.be.true;
    });
  });

  describe("isEmergencyProvider", function () {
    it("Should be true only for an active, emergency-capable provider", async function () {
      const { providerRegistry, clinic, hospital, stranger } = await loadFixture(providersFixture);
      expect(await providerRegistry.isEmergencyProvider(hospital.address)).to.be.true;
      expect(await providerRegistry.isEmergencyProvider(clinic.address)).to.be.false;
      expect(await providerRegistry.isEmergencyProvider(stranger.address)).to.be.false;
    });
  });

  describe("getProvider", function () {
    it("Should return status None and zero fields for an unknown address", async function () {
      const { providerRegistry, stranger } = await loadFixture(providersFixture);
      const provider = await providerRegistry.getProvider(stranger.address);
      expect(provider.kind).to.equal(0);
      expect(provider.status).to.equal(ProviderStatus.None);
      expect(provider.emergencyCapable).to.be.false;
      expect(provider.registeredAt).to.equal(0);
      expect(provider.credentialHash).to.equal(ethers.ZeroHash);
      expect(provider.name).to.equal("");
    });

    it("Should return the fixture's laboratory as registered", async function () {
      const { providerRegistry, lab } = await loadFixture(providersFixture);
      const provider = await providerRegistry.getProvider(lab.address);
      expect(provider.kind).to.equal(ProviderKind.Laboratory);
      expect(provider.status).to.equal(ProviderStatus.Active);
      expect(provider.name).to.equal("Riverside Laboratory");
      expect(provider.credentialHash).to.equal(CREDENTIAL);
      expect(provider.registeredAt).to.be.greaterThan(0);
    });
  });

  describe("Registrar role", function () {
    it("Should let the admin grant the registrar role, after which the new registrar registers", async function () {
      const { providerRegistry, admin, stranger, other } = await loadFixture(deployFixture);
      await expect(providerRegistry.connect(admin).grantRole(REGISTRAR_ROLE, stranger.address))
        .to.emit(providerRegistry, "RoleGranted")
        .withArgs(REGISTRAR_ROLE, stranger.address, admin.address);
      await expect(providerRegistry.connect(stranger).registerProvider(other.address, 0, NAME, CREDENTIAL))
        .to.emit(providerRegistry, "ProviderRegistered")
        .withArgs(other.address, 0, NAME, CREDENTIAL, stranger.address);
    });

    it("Should not let a registrar grant the registrar role", async function () {
      const { providerRegistry, registrar, stranger } = await loadFixture(deployFixture);
      await expect(providerRegistry.connect(registrar).grantRole(REGISTRAR_ROLE, stranger.address))
        .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, DEFAULT_ADMIN_ROLE);
    });

    it("Should stop a revoked registrar from suspending, reinstating and flagging", async function () {
      const { providerRegistry, admin, registrar, clinic } = await loadFixture(providersFixture);
      await expect(providerRegistry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address))
        .to.emit(providerRegistry, "RoleRevoked")
        .withArgs(REGISTRAR_ROLE, registrar.address, admin.address);
      await expect(providerRegistry.connect(registrar).suspendProvider(clinic.address))
        .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, REGISTRAR_ROLE);
      await expect(providerRegistry.connect(registrar).reinstateProvider(clinic.address))
        .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, REGISTRAR_ROLE);
      await expect(providerRegistry.connect(registrar).setEmergencyCapable(clinic.address, true))
        .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, REGISTRAR_ROLE);
    });

    it("Should keep providers registered when their registrar's role is revoked", async function () {
      const { providerRegistry, admin, registrar, clinic } = await loadFixture(providersFixture);
      await providerRegistry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);
      expect(await providerRegistry.isActiveProvider(clinic.address)).to.be.true;
    });
  });

  describe("Admin handover", function () {
    describe("Validations", function () {
      it("Should not let a non-admin begin a transfer", async function () {
        const { providerRegistry, registrar, stranger } = await loadFixture(deployFixture);
        await expect(providerRegistry.connect(registrar).beginDefaultAdminTransfer(stranger.address))
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(registrar.address, DEFAULT_ADMIN_ROLE);
      });

      it("Should refuse granting the default admin role directly", async function () {
        const { providerRegistry, admin, other } = await loadFixture(deployFixture);
        await expect(
          providerRegistry.connect(admin).grantRole(DEFAULT_ADMIN_ROLE, other.address),
        ).to.be.revertedWithCustomError(providerRegistry, "AccessControlEnforcedDefaultAdminRules");
        expect(await providerRegistry.hasRole(DEFAULT_ADMIN_ROLE, other.address)).to.be.false;
      });

      it("Should refuse revoking the default admin role directly", async function () {
        const { providerRegistry, admin } = await loadFixture(deployFixture);
        await expect(
          providerRegistry.connect(admin).revokeRole(DEFAULT_ADMIN_ROLE, admin.address),
        ).to.be.revertedWithCustomError(providerRegistry, "AccessControlEnforcedDefaultAdminRules");
      });

      it("Should refuse acceptance before the delay has passed", async function () {
        const { providerRegistry, newAdmin, schedule } = await loadFixture(handoverFixture);
        await expect(providerRegistry.connect(newAdmin).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlEnforcedDefaultAdminDelay")
          .withArgs(schedule);
      });

      it("Should refuse acceptance at the scheduled second itself", async function () {
        const { providerRegistry, newAdmin, schedule } = await loadFixture(handoverFixture);
        await time.setNextBlockTimestamp(schedule);
        await expect(providerRegistry.connect(newAdmin).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlEnforcedDefaultAdminDelay")
          .withArgs(schedule);
      });

      it("Should refuse acceptance by an account that is not the pending admin", async function () {
        const { providerRegistry, stranger } = await loadFixture(handoverFixture);
        await time.increase(ADMIN_DELAY);
        await expect(providerRegistry.connect(stranger).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlInvalidDefaultAdmin")
          .withArgs(stranger.address);
      });

      it("Should refuse acceptance after the transfer was cancelled", async function () {
        const { providerRegistry, admin, newAdmin } = await loadFixture(handoverFixture);
        await providerRegistry.connect(admin).cancelDefaultAdminTransfer();
        await time.increase(ADMIN_DELAY);
        await expect(providerRegistry.connect(newAdmin).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlInvalidDefaultAdmin")
          .withArgs(newAdmin.address);
      });
    });

    describe("Events", function () {
      it("Should emit DefaultAdminTransferScheduled with the new admin and the schedule", async function () {
        const { providerRegistry, admin, other } = await loadFixture(deployFixture);
        const next = (await time.latest()) + 1;
        await time.setNextBlockTimestamp(next);
        await expect(providerRegistry.connect(admin).beginDefaultAdminTransfer(other.address))
          .to.emit(providerRegistry, "DefaultAdminTransferScheduled")
          .withArgs(other.address, next + ADMIN_DELAY);
      });

      it("Should emit RoleRevoked and RoleGranted for the default admin role on acceptance", async function () {
        const { providerRegistry, admin, newAdmin } = await loadFixture(handoverFixture);
        await time.increase(ADMIN_DELAY);
        await expect(providerRegistry.connect(newAdmin).acceptDefaultAdminTransfer())
          .to.emit(providerRegistry, "RoleRevoked")
          .withArgs(DEFAULT_ADMIN_ROLE, admin.address, newAdmin.address)
          .and.to.emit(providerRegistry, "RoleGranted")
          .withArgs(DEFAULT_ADMIN_ROLE, newAdmin.address, newAdmin.address);
      });
    });

    describe("Effects", function () {
      it("Should record the pending admin and its schedule", async function () {
        const { providerRegistry, newAdmin, schedule } = await loadFixture(handoverFixture);
        const [pending, pendingSchedule] = await providerRegistry.pendingDefaultAdmin();
        expect(pending).to.equal(newAdmin.address);
        expect(pendingSchedule).to.equal(schedule);
      });

      it("Should hand the default admin role over once the delay has passed", async function () {
        const { providerRegistry, admin, newAdmin } = await loadFixture(handoverFixture);
        await time.increase(ADMIN_DELAY);
        await providerRegistry.connect(newAdmin).acceptDefaultAdminTransfer();

        expect(await providerRegistry.defaultAdmin()).to.equal(newAdmin.address);
        expect(await providerRegistry.hasRole(DEFAULT_ADMIN_ROLE, newAdmin.address)).to.be.true;
        expect(await providerRegistry.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.be.false;
        const [pending, pendingSchedule] = await providerRegistry.pendingDefaultAdmin();
        expect(pending).to.equal(ethers.ZeroAddress);
        expect(pendingSchedule).to.equal(0);
      });

      it("Should let the new admin manage registrars and stop the old one", async function () {
        const { providerRegistry, admin, newAdmin, stranger } = await loadFixture(handoverFixture);
        await time.increase(ADMIN_DELAY);
        await providerRegistry.connect(newAdmin).acceptDefaultAdminTransfer();

        await expect(providerRegistry.connect(admin).grantRole(REGISTRAR_ROLE, stranger.address))
          .to.be.revertedWithCustomError(providerRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(admin.address, DEFAULT_ADMIN_ROLE);
        await providerRegistry.connect(newAdmin).grantRole(REGISTRAR_ROLE, stranger.address);
        expect(await providerRegistry.hasRole(REGISTRAR_ROLE, stranger.address)).to.be.true;
      });

      it("Should keep the old admin's registrar role, which only the new admin can revoke", async function () {
        const { providerRegistry, admin, newAdmin } = await loadFixture(handoverFixture);
        await time.increase(ADMIN_DELAY);
        await providerRegistry.connect(newAdmin).acceptDefaultAdminTransfer();

        expect(await providerRegistry.hasRole(REGISTRAR_ROLE, admin.address)).to.be.true;
        await providerRegistry.connect(newAdmin).revokeRole(REGISTRAR_ROLE, admin.address);
        expect(await providerRegistry.hasRole(REGISTRAR_ROLE, admin.address)).to.be.false;
      });

      it("Should keep the current admin in place until acceptance", async function () {
        const { providerRegistry, admin, newAdmin } = await loadFixture(handoverFixture);
        await time.increase(ADMIN_DELAY);
        expect(await providerRegistry.defaultAdmin()).to.equal(admin.address);
        expect(await providerRegistry.hasRole(DEFAULT_ADMIN_ROLE, newAdmin.address)).to.be.false;
      });
    });
  });
});
