import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { Signer } from "ethers";
import { ethers, ignition, network } from "hardhat";
import MedConsentModule from "@/ignition/modules/MedConsent";
import type { Hex } from "viem";
import * as disclosureProof from "@/lib/vault/disclosureProof";
import type { DisclosureLog } from "@/typechain-types";
import { DAY } from "@/harness/contracts/codes";
import { ADMIN_DELAY } from "@/harness/contracts/fixtures";
import {
  disclosureLeaf,
  disclosures,
  merkleTree,
  processProof,
  type Disclosure,
} from "@/harness/contracts/disclosureTree";
import { GATEWAY_ROLE, vaultFixture } from "@/harness/contracts/vaultFixtures";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const ROOT = ethers.id("root of disclosures 1-3");
const OTHER_ROOT = ethers.id("root of disclosures 4-6");
const TREE_SIZES = [1, 2, 3, 5, 8] as const;
const MAX_BATCH = 2n ** 20n;
const LAST_UINT64 = 2n ** 64n - 1n;

/**
 * Sets the private `_lastSeq` cursor straight in storage, to reach the end of the 64-bit sequence that 2**44 real
 * batches would take. The slot and offset are found, not assumed: the one word that one anchor of 1-3 changed, and
 * where the 3 landed in it (it may share a slot with AccessControlDefaultAdminRules' last fields).
 */
async function setLastSeq(disclosureLog: DisclosureLog, gateway: Signer, lastSeq: bigint): Promise<void> {
  const address = await disclosureLog.getAddress();
  const slots = [...Array(16).keys()];
  const read = () => Promise.all(slots.map(async (slot) => BigInt(await ethers.provider.getStorage(address, slot))));
  const before = await read();
  await disclosureLog.connect(gateway).anchor(ethers.id("probe of the sequence cursor"), 1, 3);
  const after = await read();
  const changed = slots.filter((slot) => before[slot] !== after[slot]);
  if (changed.length !== 1) throw new Error(`expected one changed slot, found ${changed.length}`);
  const [slot] = changed;
  const diff = before[slot] ^ after[slot];
  const offset = BigInt(diff.toString(2).length - 2); // 3 = 0b11 moved to the field: two bits above its offset
  const mask = (2n ** 64n - 1n) << offset;
  const value = (after[slot] & ~mask) | (lastSeq << offset);
  await network.provider.send("hardhat_setStorageAt", [address, ethers.toBeHex(slot), ethers.toBeHex(value, 32)]);
}

/** The same disclosure as the gateway holds it: the request id as its UUID. */
function asEntry(d: Disclosure): disclosureProof.DisclosureEntry {
  const hex = d.requestId.slice(2);
  const uuid = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  return { ...d, reader: d.reader as Hex, patient: d.patient as Hex, requestId: uuid };
}

describe("DisclosureLog", function () {
  /** Deployed with an `admin` Ignition parameter that is not the deploying account. */
  async function separateAdminFixture() {
    const [deployer, , , , , , , , , , admin, gateway] = await ethers.getSigners();
    const deployed = await ignition.deploy(MedConsentModule, { parameters: { MedConsent: { admin: admin.address } } });
    const disclosureLog = deployed.disclosureLog as unknown as DisclosureLog;
    return { disclosureLog, deployer, admin, gateway };
  }

  /** The gateway has anchored disclosures 1-3 under ROOT. */
  async function anchoredFixture() {
    const base = await vaultFixture();
    await base.disclosureLog.connect(base.gateway).anchor(ROOT, 1, 3);
    const anchoredAt = await time.latest();
    return { ...base, anchoredAt };
  }

  /** Deployment, with the admin's handover to `other` begun. */
  async function handoverFixture() {
    const base = await vaultFixture();
    await base.disclosureLog.connect(base.admin).beginDefaultAdminTransfer(base.other.address);
    const schedule = (await time.latest()) + ADMIN_DELAY;
    return { ...base, newAdmin: base.other, schedule };
  }

  /**
   * One anchored batch per tree size, one after the other (1, then 2-3, 4-6, 7-11, 12-19), each built from realistic
   * disclosures with the test helper, plus the leaves of one more batch that is never anchored.
   */
  async function batchesFixture() {
    const base = await vaultFixture();
    const { disclosureLog, gateway, reader, patient } = base;
    const servedAt = await time.latest();
    const batches = [];
    let fromSeq = 1n;
    for (const size of TREE_SIZES) {
      const entries = disclosures(fromSeq, size, reader.address, patient.address, servedAt);
      const leaves = entries.map(disclosureLeaf);
      const tree = merkleTree(leaves);
      await disclosureLog.connect(gateway).anchor(tree.root, fromSeq, fromSeq + BigInt(size) - 1n);
      batches.push({ size, entries, leaves, tree });
      fromSeq += BigInt(size);
    }
    const unanchoredLeaves = disclosures(fromSeq, 4, reader.address, patient.address, servedAt).map(disclosureLeaf);
    return { ...base, batches, unanchored: { leaves: unanchoredLeaves, tree: merkleTree(unanchoredLeaves) } };
  }

  describe("Deployment", function () {
    it('Should expose GATEWAY_ROLE as keccak256("GATEWAY_ROLE")', async function () {
      const { disclosureLog } = await loadFixture(vaultFixture);
      expect(await disclosureLog.GATEWAY_ROLE()).to.equal(GATEWAY_ROLE);
    });

    it("Should give the admin the default admin role but not the gateway role", async function () {
      const { disclosureLog, admin } = await loadFixture(separateAdminFixture);
      expect(await disclosureLog.defaultAdmin()).to.equal(admin.address);
      expect(await disclosureLog.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.be.true;
      expect(await disclosureLog.hasRole(GATEWAY_ROLE, admin.address)).to.be.false;
    });

    it("Should set the admin delay to one day", async function () {
      const { disclosureLog } = await loadFixture(vaultFixture);
      expect(await disclosureLog.defaultAdminDelay()).to.equal(DAY);
    });

    it("Should give no role to a deployer other than the `admin` parameter", async function () {
      const { disclosureLog, deployer } = await loadFixture(separateAdminFixture);
      expect(await disclosureLog.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.be.false;
      expect(await disclosureLog.hasRole(GATEWAY_ROLE, deployer.address)).to.be.false;
    });

    it("Should cap a batch at MAX_BATCH = 2^20 entries", async function () {
      const { disclosureLog } = await loadFixture(vaultFixture);
      expect(await disclosureLog.MAX_BATCH()).to.equal(MAX_BATCH);
    });

    it("Should start with nothing anchored: nextSeq 1", async function () {
      const { disclosureLog } = await loadFixture(separateAdminFixture);
      expect(await disclosureLog.nextSeq()).to.equal(1n);
    });
  });

  describe("Gateway role", function () {
    describe("Validations", function () {
      it("Should refuse a grant by an account that is not the admin", async function () {
        const { disclosureLog, deployer, gateway } = await loadFixture(separateAdminFixture);
        await expect(disclosureLog.connect(deployer).grantRole(GATEWAY_ROLE, gateway.address))
          .to.be.revertedWithCustomError(disclosureLog, "AccessControlUnauthorizedAccount")
          .withArgs(deployer.address, DEFAULT_ADMIN_ROLE);
      });

      it("Should refuse a grant by a gateway", async function () {
        const { disclosureLog, gateway, stranger } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(gateway).grantRole(GATEWAY_ROLE, stranger.address))
          .to.be.revertedWithCustomError(disclosureLog, "AccessControlUnauthorizedAccount")
          .withArgs(gateway.address, DEFAULT_ADMIN_ROLE);
      });

      it("Should refuse a revocation by an account that is not the admin", async function () {
        const { disclosureLog, gateway, stranger } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(stranger).revokeRole(GATEWAY_ROLE, gateway.address))
          .to.be.revertedWithCustomError(disclosureLog, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
        expect(await disclosureLog.hasRole(GATEWAY_ROLE, gateway.address)).to.be.true;
      });
    });

    describe("Events", function () {
      it("Should emit RoleGranted when the admin grants the role", async function () {
        const { disclosureLog, admin, gateway } = await loadFixture(separateAdminFixture);
        await expect(disclosureLog.connect(admin).grantRole(GATEWAY_ROLE, gateway.address))
          .to.emit(disclosureLog, "RoleGranted")
          .withArgs(GATEWAY_ROLE, gateway.address, admin.address);
      });

      it("Should emit RoleRevoked when the admin revokes the role", async function () {
        const { disclosureLog, admin, gateway } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(admin).revokeRole(GATEWAY_ROLE, gateway.address))
          .to.emit(disclosureLog, "RoleRevoked")
          .withArgs(GATEWAY_ROLE, gateway.address, admin.address);
      });
    });

    describe("Effects", function () {
      it("Should let an account the admin granted the role anchor", async function () {
        const { disclosureLog, admin, gateway } = await loadFixture(separateAdminFixture);
        await disclosureLog.connect(admin).grantRole(GATEWAY_ROLE, gateway.address);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 1, 1))
          .to.emit(disclosureLog, "DisclosuresAnchored")
          .withArgs(ROOT, 1, 1, gateway.address);
      });

      it("Should stop a gateway whose role the admin revoked", async function () {
        const { disclosureLog, admin, gateway } = await loadFixture(anchoredFixture);
        await disclosureLog.connect(admin).revokeRole(GATEWAY_ROLE, gateway.address);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 4, 6))
          .to.be.revertedWithCustomError(disclosureLog, "AccessControlUnauthorizedAccount")
          .withArgs(gateway.address, GATEWAY_ROLE);
        expect(await disclosureLog.nextSeq()).to.equal(4n);
      });

      it("Should stop a gateway that renounced its role", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await disclosureLog.connect(gateway).renounceRole(GATEWAY_ROLE, gateway.address);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 1, 3))
          .to.be.revertedWithCustomError(disclosureLog, "AccessControlUnauthorizedAccount")
          .withArgs(gateway.address, GATEWAY_ROLE);
      });

      it("Should let several gateways extend the one log in turn", async function () {
        const { disclosureLog, admin, gateway, stranger } = await loadFixture(anchoredFixture);
        await disclosureLog.connect(admin).grantRole(GATEWAY_ROLE, stranger.address);
        await expect(disclosureLog.connect(stranger).anchor(OTHER_ROOT, 4, 6))
          .to.emit(disclosureLog, "DisclosuresAnchored")
          .withArgs(OTHER_ROOT, 4, 6, stranger.address);
        expect(await disclosureLog.hasRole(GATEWAY_ROLE, gateway.address)).to.be.true;
        expect(await disclosureLog.nextSeq()).to.equal(7n);
      });
    });
  });

  describe("Default admin rules", function () {
    it("Should refuse granting the default admin role directly", async function () {
      const { disclosureLog, admin, other } = await loadFixture(vaultFixture);
      await expect(
        disclosureLog.connect(admin).grantRole(DEFAULT_ADMIN_ROLE, other.address),
      ).to.be.revertedWithCustomError(disclosureLog, "AccessControlEnforcedDefaultAdminRules");
    });

    it("Should refuse acceptance before the delay has passed", async function () {
      const { disclosureLog, newAdmin, schedule } = await loadFixture(handoverFixture);
      await expect(disclosureLog.connect(newAdmin).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(disclosureLog, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);
    });

    it("Should refuse acceptance by an account that is not the pending admin", async function () {
      const { disclosureLog, stranger } = await loadFixture(handoverFixture);
      await time.increase(ADMIN_DELAY);
      await expect(disclosureLog.connect(stranger).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(disclosureLog, "AccessControlInvalidDefaultAdmin")
        .withArgs(stranger.address);
    });

    it("Should hand adminship over after the delay, so only the new admin grants the gateway role", async function () {
      const { disclosureLog, admin, newAdmin, stranger } = await loadFixture(handoverFixture);
      await time.increase(ADMIN_DELAY);
      await disclosureLog.connect(newAdmin).acceptDefaultAdminTransfer();

      expect(await disclosureLog.defaultAdmin()).to.equal(newAdmin.address);
      await expect(disclosureLog.connect(admin).grantRole(GATEWAY_ROLE, stranger.address))
        .to.be.revertedWithCustomError(disclosureLog, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, DEFAULT_ADMIN_ROLE);
      await expect(disclosureLog.connect(newAdmin).grantRole(GATEWAY_ROLE, stranger.address))
        .to.emit(disclosureLog, "RoleGranted")
        .withArgs(GATEWAY_ROLE, stranger.address, newAdmin.address);
    });
  });

  describe("anchor", function () {
    describe("Validations", function () {
      it("Should revert for an account without the gateway role", async function () {
        const { disclosureLog, stranger } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(stranger).anchor(ROOT, 1, 3))
          .to.be.revertedWithCustomError(disclosureLog, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, GATEWAY_ROLE);
      });

      it("Should revert for the admin, who does not hold the gateway role", async function () {
        const { disclosureLog, admin } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(admin).anchor(ROOT, 1, 3))
          .to.be.revertedWithCustomError(disclosureLog, "AccessControlUnauthorizedAccount")
          .withArgs(admin.address, GATEWAY_ROLE);
      });

      it("Should revert for the zero root", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(gateway).anchor(ethers.ZeroHash, 1, 3)).to.be.revertedWithCustomError(
          disclosureLog,
          "DisclosureLogEmptyRoot",
        );
      });

      it("Should revert for a range that ends before it starts", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 2, 1))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogInvalidRange")
          .withArgs(2, 1);
      });

      it("Should revert for a first batch that does not start at 1", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 2, 3))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogOutOfOrder")
          .withArgs(1, 2);
      });

      it("Should revert for a first batch that starts at 0", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 0, 3))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogOutOfOrder")
          .withArgs(1, 0);
      });

      it("Should revert for a batch that leaves a gap after the last one", async function () {
        const { disclosureLog, gateway } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 5, 6))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogOutOfOrder")
          .withArgs(4, 5);
      });

      it("Should revert for a batch that overlaps the last one", async function () {
        const { disclosureLog, gateway } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 3, 6))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogOutOfOrder")
          .withArgs(4, 3);
      });

      it("Should revert for a batch that repeats the last one", async function () {
        const { disclosureLog, gateway } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 1, 3))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogOutOfOrder")
          .withArgs(4, 1);
      });

      it("Should revert for a root anchored before, even for the next range", async function () {
        const { disclosureLog, gateway } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 4, 6))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogRootAlreadyAnchored")
          .withArgs(ROOT);
      });

      it("Should revert for a batch of MAX_BATCH + 1 entries", async function () {
        const { disclosureLog, gateway } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 4, 4n + MAX_BATCH))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogBatchTooLarge")
          .withArgs(4, 4n + MAX_BATCH, MAX_BATCH);
      });

      it("Should refuse anchor(root, nextSeq, 2^64 - 1), which would brick the log, and keep the log working", async function () {
        const { disclosureLog, gateway, anchoredAt } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 4, LAST_UINT64))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogBatchTooLarge")
          .withArgs(4, LAST_UINT64, MAX_BATCH);

        expect(await disclosureLog.nextSeq()).to.equal(4n);
        expect(await disclosureLog.batchOf(OTHER_ROOT)).to.deep.equal([0n, 0n, 0n]);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 4, 6))
          .to.emit(disclosureLog, "DisclosuresAnchored")
          .withArgs(OTHER_ROOT, 4, 6, gateway.address);
        expect(await disclosureLog.nextSeq()).to.equal(7n);
        expect(await disclosureLog.batchOf(ROOT)).to.deep.equal([1n, 3n, BigInt(anchoredAt)]);
      });

      it("Should refuse a batch ending at 2^64 - 1 even within MAX_BATCH, so nextSeq never overflows", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await setLastSeq(disclosureLog, gateway, LAST_UINT64 - 3n);
        expect(await disclosureLog.nextSeq()).to.equal(LAST_UINT64 - 2n);

        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, LAST_UINT64 - 2n, LAST_UINT64))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogSequenceExhausted")
          .withArgs(LAST_UINT64);
        await disclosureLog.connect(gateway).anchor(OTHER_ROOT, LAST_UINT64 - 2n, LAST_UINT64 - 1n);
        expect(await disclosureLog.nextSeq()).to.equal(LAST_UINT64);
        // The only batch left would end at 2^64 - 1: refused, and nextSeq stays readable.
        await expect(disclosureLog.connect(gateway).anchor(ROOT, LAST_UINT64, LAST_UINT64))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogSequenceExhausted")
          .withArgs(LAST_UINT64);
        expect(await disclosureLog.nextSeq()).to.equal(LAST_UINT64);
      });

      it("Should check the range before the order, and the order before the root's reuse", async function () {
        const { disclosureLog, gateway } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 9, 8))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogInvalidRange")
          .withArgs(9, 8);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 9, 9))
          .to.be.revertedWithCustomError(disclosureLog, "DisclosureLogOutOfOrder")
          .withArgs(4, 9);
      });

      it("Should leave the log unchanged when an anchor is refused", async function () {
        const { disclosureLog, gateway, anchoredAt } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 4, 6)).to.be.reverted;
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 5, 6)).to.be.reverted;

        expect(await disclosureLog.nextSeq()).to.equal(4n);
        expect(await disclosureLog.batchOf(ROOT)).to.deep.equal([1n, 3n, BigInt(anchoredAt)]);
        expect(await disclosureLog.batchOf(OTHER_ROOT)).to.deep.equal([0n, 0n, 0n]);
      });
    });

    describe("Events", function () {
      it("Should emit DisclosuresAnchored with the root, the range and the gateway", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await expect(disclosureLog.connect(gateway).anchor(ROOT, 1, 3))
          .to.emit(disclosureLog, "DisclosuresAnchored")
          .withArgs(ROOT, 1, 3, gateway.address);
      });

      it("Should emit DisclosuresAnchored for each later batch", async function () {
        const { disclosureLog, gateway } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 4, 4))
          .to.emit(disclosureLog, "DisclosuresAnchored")
          .withArgs(OTHER_ROOT, 4, 4, gateway.address);
      });
    });

    describe("Effects", function () {
      it("Should record the batch under its root with the time it was anchored", async function () {
        const { disclosureLog, anchoredAt } = await loadFixture(anchoredFixture);
        const batch = await disclosureLog.batchOf(ROOT);
        expect(batch.fromSeq).to.equal(1n);
        expect(batch.toSeq).to.equal(3n);
        expect(batch.anchoredAt).to.equal(BigInt(anchoredAt));
      });

      it("Should move nextSeq to the batch's last sequence number plus one", async function () {
        const { disclosureLog } = await loadFixture(anchoredFixture);
        expect(await disclosureLog.nextSeq()).to.equal(4n);
      });

      it("Should accept a batch of one disclosure", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await disclosureLog.connect(gateway).anchor(ROOT, 1, 1);
        expect(await disclosureLog.nextSeq()).to.equal(2n);
        expect((await disclosureLog.batchOf(ROOT)).toSeq).to.equal(1n);
      });

      it("Should accept contiguous batches one after the other, each under its own root", async function () {
        const { disclosureLog, gateway, anchoredAt } = await loadFixture(anchoredFixture);
        await disclosureLog.connect(gateway).anchor(OTHER_ROOT, 4, 6);
        const third = ethers.id("root of disclosure 7");
        await disclosureLog.connect(gateway).anchor(third, 7, 7);

        expect(await disclosureLog.nextSeq()).to.equal(8n);
        expect((await disclosureLog.batchOf(ROOT)).anchoredAt).to.equal(BigInt(anchoredAt));
        expect((await disclosureLog.batchOf(OTHER_ROOT)).fromSeq).to.equal(4n);
        expect((await disclosureLog.batchOf(third)).fromSeq).to.equal(7n);
      });

      it("Should accept a batch of exactly MAX_BATCH (2^20) entries", async function () {
        const { disclosureLog, gateway } = await loadFixture(anchoredFixture);
        await expect(disclosureLog.connect(gateway).anchor(OTHER_ROOT, 4, 3n + MAX_BATCH))
          .to.emit(disclosureLog, "DisclosuresAnchored")
          .withArgs(OTHER_ROOT, 4, 3n + MAX_BATCH, gateway.address);
        expect(await disclosureLog.nextSeq()).to.equal(4n + MAX_BATCH);
      });

      it("Should accept a batch ending at 2^64 - 2, the last sequence number whose successor fits in uint64", async function () {
        const { disclosureLog, gateway } = await loadFixture(vaultFixture);
        await setLastSeq(disclosureLog, gateway, LAST_UINT64 - MAX_BATCH - 1n);
        await disclosureLog.connect(gateway).anchor(ROOT, LAST_UINT64 - MAX_BATCH, LAST_UINT64 - 1n);
        expect(await disclosureLog.nextSeq()).to.equal(LAST_UINT64);
      });
    });
  });

  describe("batchOf", function () {
    it("Should return all zeros for a root never anchored", async function () {
      const { disclosureLog } = await loadFixture(anchoredFixture);
      const batch = await disclosureLog.batchOf(OTHER_ROOT);
      expect([batch.fromSeq, batch.toSeq, batch.anchoredAt]).to.deep.equal([0n, 0n, 0n]);
    });

    it("Should return all zeros for the zero root", async function () {
      const { disclosureLog } = await loadFixture(anchoredFixture);
      expect(await disclosureLog.batchOf(ethers.ZeroHash)).to.deep.equal([0n, 0n, 0n]);
    });
  });

  describe("verifyDisclosure", function () {
    for (const [b, size] of TREE_SIZES.entries()) {
      it(`Should return true for every leaf of an anchored ${size}-leaf batch`, async function () {
        const { disclosureLog, batches } = await loadFixture(batchesFixture);
        const { leaves, tree } = batches[b];
        for (const [i, leaf] of leaves.entries()) {
          expect(await disclosureLog.verifyDisclosure(tree.root, tree.proof(i), leaf), `leaf ${i}`).to.be.true;
        }
      });

      it(`Should return false for each leaf of a ${size}-leaf batch with a wrong leaf`, async function () {
        const { disclosureLog, batches, unanchored } = await loadFixture(batchesFixture);
        const { leaves, tree } = batches[b];
        for (const i of leaves.keys()) {
          const wrong = unanchored.leaves[i % unanchored.leaves.length];
          expect(await disclosureLog.verifyDisclosure(tree.root, tree.proof(i), wrong), `leaf ${i}`).to.be.false;
        }
      });
    }

    it("Should return false for a leaf with a sibling changed in its proof", async function () {
      const { disclosureLog, batches } = await loadFixture(batchesFixture);
      const { leaves, tree } = batches[TREE_SIZES.indexOf(8)];
      const proof = tree.proof(5);
      proof[1] = ethers.id("forged sibling");
      expect(await disclosureLog.verifyDisclosure(tree.root, proof, leaves[5])).to.be.false;
    });

    it("Should return false for a leaf with another leaf's proof", async function () {
      const { disclosureLog, batches } = await loadFixture(batchesFixture);
      const { leaves, tree } = batches[TREE_SIZES.indexOf(5)];
      expect(await disclosureLog.verifyDisclosure(tree.root, tree.proof(0), leaves[2])).to.be.false;
    });

    it("Should return false for a proof with a sibling left out", async function () {
      const { disclosureLog, batches } = await loadFixture(batchesFixture);
      const { leaves, tree } = batches[TREE_SIZES.indexOf(8)];
      expect(await disclosureLog.verifyDisclosure(tree.root, tree.proof(3).slice(1), leaves[3])).to.be.false;
    });

    it("Should return false for a leaf proven against another anchored batch's root", async function () {
      const { disclosureLog, batches } = await loadFixture(batchesFixture);
      const three = batches[TREE_SIZES.indexOf(3)];
      const five = batches[TREE_SIZES.indexOf(5)];
      expect(await disclosureLog.verifyDisclosure(five.tree.root, three.tree.proof(1), three.leaves[1])).to.be.false;
    });

    it("Should return false for a valid proof against a root that was never anchored", async function () {
      const { disclosureLog, unanchored } = await loadFixture(batchesFixture);
      const { leaves, tree } = unanchored;
      expect(processProof(leaves[2], tree.proof(2))).to.equal(tree.root);
      expect(await disclosureLog.verifyDisclosure(tree.root, tree.proof(2), leaves[2])).to.be.false;
    });

    it("Should return false for the zero root", async function () {
      const { disclosureLog } = await loadFixture(batchesFixture);
      expect(await disclosureLog.verifyDisclosure(ethers.ZeroHash, [], ethers.ZeroHash)).to.be.false;
    });

    it("Should return true for a one-leaf batch only with the empty proof", async function () {
      const { disclosureLog, batches } = await loadFixture(batchesFixture);
      const { leaves, tree } = batches[TREE_SIZES.indexOf(1)];
      expect(tree.root).to.equal(leaves[0]);
      expect(await disclosureLog.verifyDisclosure(tree.root, [], leaves[0])).to.be.true;
      expect(await disclosureLog.verifyDisclosure(tree.root, [ethers.id("extra")], leaves[0])).to.be.false;
    });
  });

  // The gateway builds its batches, and the portal checks its proofs, with lib/vault/disclosureProof.ts; the test
  // helper is written separately from the design, so agreement of the two is evidence that both follow it.
  describe("Gateway and portal proofs (lib/vault/disclosureProof.ts)", function () {
    it("Should compute the same leaf as the test helper for every disclosure", async function () {
      const { batches } = await loadFixture(batchesFixture);
      for (const { entries, leaves } of batches) {
        expect(entries.map((d) => disclosureProof.disclosureLeaf(asEntry(d)))).to.deep.equal(leaves);
      }
    });

    for (const [b, size] of TREE_SIZES.entries()) {
      it(`Should build proofs of a ${size}-leaf batch that the contract accepts`, async function () {
        const { disclosureLog, batches } = await loadFixture(batchesFixture);
        const { entries, tree } = batches[b];
        const appTree = disclosureProof.merkleTree(entries.map((d) => disclosureProof.disclosureLeaf(asEntry(d))));
        expect(appTree.root).to.equal(tree.root);
        for (const [i, d] of entries.entries()) {
          const leaf = disclosureProof.disclosureLeaf(asEntry(d));
          expect(appTree.proof(i), `proof ${i}`).to.deep.equal(tree.proof(i));
          expect(disclosureProof.verifyMerkleProof(leaf, appTree.proof(i), appTree.root)).to.be.true;
          expect(await disclosureLog.verifyDisclosure(appTree.root, appTree.proof(i), leaf)).to.be.true;
        }
      });
    }

    it("Should refuse, as the contract does, a wrong leaf and a forged proof", async function () {
      const { disclosureLog, batches, unanchored } = await loadFixture(batchesFixture);
      const { leaves, tree } = batches[TREE_SIZES.indexOf(8)];
      const forged = tree.proof(4).map((node, i) => (i === 2 ? ethers.id("forged") : node));
      const cases = [
        { leaf: unanchored.leaves[0], proof: tree.proof(4) },
        { leaf: leaves[4], proof: forged },
        { leaf: leaves[4], proof: tree.proof(5) },
      ];
      for (const { leaf, proof } of cases) {
        expect(disclosureProof.verifyMerkleProof(leaf, proof, tree.root)).to.be.false;
        expect(await disclosureLog.verifyDisclosure(tree.root, proof, leaf)).to.be.false;
      }
    });
  });

  describe("Test tree helper", function () {
    it("Should rebuild each batch's root from every leaf and its proof", async function () {
      const { batches } = await loadFixture(batchesFixture);
      for (const { size, leaves, tree } of batches) {
        for (const [i, leaf] of leaves.entries()) {
          expect(processProof(leaf, tree.proof(i)), `${size} leaves, leaf ${i}`).to.equal(tree.root);
        }
      }
    });

    it("Should promote the last node of an odd level unchanged: a 3-leaf root is H(H(a,b), c)", async function () {
      const leaves = [ethers.id("a"), ethers.id("b"), ethers.id("c")];
      const sorted = (x: string, y: string) => (BigInt(x) < BigInt(y) ? [x, y] : [y, x]);
      const ab = ethers.keccak256(ethers.concat(sorted(leaves[0], leaves[1])));
      const root = ethers.keccak256(ethers.concat(sorted(ab, leaves[2])));
      const tree = merkleTree(leaves);
      expect(tree.root).to.equal(root);
      expect(tree.proof(2)).to.deep.equal([ab]);
    });

    it("Should hash a leaf twice over the ABI encoding of its seven fields", async function () {
      const [reader, patient] = await ethers.getSigners();
      const [entry] = disclosures(7n, 1, reader.address, patient.address, 1_750_000_000);
      const encoded = ethers.AbiCoder.defaultAbiCoder().encode(
        ["uint64", "address", "address", "uint256", "uint8", "uint40", "bytes16"],
        [7n, reader.address, patient.address, 1n, 1, 1_750_000_000, entry.requestId],
      );
      expect(ethers.dataLength(encoded)).to.equal(7 * 32);
      expect(disclosureLeaf(entry)).to.equal(ethers.keccak256(ethers.keccak256(encoded)));
    });
  });
});
