// The indexer's state changes, one event at a time (indexer/src/rows.ts): what each event does to the rows that lists
// and histories read, including revoke-all epochs, re-grants, delegates and emergency windows.
import { expect } from "chai";
import type { Address, Hex } from "viem";
import * as rows from "@/indexer/src/rows";

const ALICE = "0x976EA74026E726554dB657fA54763abd0C3a0aa9" as Address;
const CLINIC = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const LAB = "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as Address;
const REGISTRAR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as Address;
const TX = `0x${"ab".repeat(32)}` as Hex;

const at = (blockNumber: number, timestamp = 1_800_000_000 + blockNumber, logIndex = 0): rows.EventPosition => ({
  blockNumber: BigInt(blockNumber),
  logIndex,
  timestamp,
  transactionHash: TX,
});

const grant = (patient: rows.PatientRow, grantee = CLINIC, position = at(10)) =>
  rows.grantedConsent(
    { patient: ALICE, grantee, categories: 0b10010n, actions: 1, purposes: 1, expiresAt: 1_900_000_000 },
    patient,
    position,
  );

describe("indexer rows (indexer/src/rows.ts)", function () {
  describe("chain_event", function () {
    it("orders ids as the chain does, even as text", function () {
      const ids = [at(9, 0, 1), at(10, 0, 0), at(10, 0, 2), at(100, 0, 0)].map(rows.eventId);
      expect([...ids].sort()).to.deep.equal(ids);
    });

    it("names the patient and the other party of each event, and keeps bigints as decimal strings", function () {
      const row = rows.chainEventRow(
        "ConsentRegistry",
        "ConsentGranted",
        { patient: ALICE, grantee: CLINIC, categories: 18n, actions: 1, purposes: 1, expiresAt: 5, by: ALICE },
        at(10),
      );
      expect(row).to.include({ patient: ALICE, party: CLINIC, name: "ConsentGranted", contract: "ConsentRegistry" });
      expect(row.args.categories).to.equal("18");
      const anchor = rows.chainEventRow("DisclosureLog", "DisclosuresAnchored", { gateway: LAB, fromSeq: 0n }, at(3));
      expect(anchor).to.include({ patient: null, party: LAB });
      expect(rows.chainEventRow("RecordRegistry", "RecordSuperseded", { patient: ALICE }, at(4)).party).to.equal(null);
    });
  });

  describe("consents", function () {
    it("stamps a grant with the patient's current epoch and the block's time", function () {
      const row = grant(rows.newPatient(ALICE));
      expect(row).to.include({ epoch: 0, revoked: false, grantedAt: 1_800_000_010, categories: 0b10010n });
      expect(row.grantedInBlock).to.equal(10n);
    });

    it("keeps the terms of a revoked consent, for the history", function () {
      const revoked = rows.revokedConsent(grant(rows.newPatient(ALICE)));
      expect(revoked).to.include({ revoked: true, categories: 0b10010n, expiresAt: 1_900_000_000 });
    });

    it("moves the patient to the revoke-all's epoch, and stamps a later grant with it, live", function () {
      // The consents a revoke-all ends are marked by its handler's bulk update (checked by the agreement test).
      const after = rows.revokedAll(rows.newPatient(ALICE), 1);
      expect(after.epoch).to.equal(1);
      const regranted = grant(after, CLINIC, at(20));
      expect(regranted).to.include({ epoch: 1, revoked: false });
    });

    it("replaces the terms when a consent is granted again (supersede)", function () {
      const patient = rows.newPatient(ALICE);
      const first = grant(patient);
      const second = rows.grantedConsent(
        { patient: ALICE, grantee: CLINIC, categories: 0b1n, actions: 3, purposes: 2, expiresAt: 1_950_000_000 },
        patient,
        at(30),
        first,
      );
      expect(second).to.deep.include({
        categories: 1n,
        actions: 3,
        purposes: 2,
        revoked: false,
        grantedAt: 1_800_000_030,
      });
      expect(second.grantedInBlock).to.equal(30n);
      expect(second.firstGrantId, "a replacement keeps the pair's first place").to.equal(rows.eventId(at(10)));
      expect(first.firstGrantId).to.equal(rows.eventId(at(10)));
    });
  });

  describe("delegates", function () {
    it("ties a delegate to the epoch it was named in: revoke-all ends it", function () {
      const patient = rows.newPatient(ALICE);
      const named = rows.delegateSet({ patient: ALICE, delegate: LAB, allowed: true }, patient, at(5));
      expect(rows.isDelegateActive(named, patient)).to.equal(true);
      expect(rows.isDelegateActive(named, rows.revokedAll(patient, 1))).to.equal(false);
      const removed = rows.delegateSet({ patient: ALICE, delegate: LAB, allowed: false }, patient, at(6));
      expect(rows.isDelegateActive(removed, patient)).to.equal(false);
    });
  });

  describe("emergency access", function () {
    const opened = (patient: rows.PatientRow) =>
      rows.emergencyAccessOpened(
        { patient: ALICE, grantee: CLINIC, reasonHash: TX, expiresAt: 1_800_086_400 },
        patient,
        at(0, 1_800_000_000),
      );

    it("starts on (the contract's default), and turning it off starts a new emergency epoch", function () {
      const patient = rows.newPatient(ALICE);
      expect(patient).to.include({ emergencyAccessAllowed: true, emergencyEpoch: 0, epoch: 0 });
      const off = rows.emergencySet(patient, false);
      expect(off).to.include({ emergencyAccessAllowed: false, emergencyEpoch: 1 });
      expect(rows.emergencySet(off, true)).to.include({ emergencyAccessAllowed: true, emergencyEpoch: 1 });
    });

    it("keeps a window open until its end, exclusive", function () {
      const patient = rows.newPatient(ALICE);
      const window = opened(patient);
      expect(rows.isEmergencyWindowOpen(window, patient, 1_800_086_399)).to.equal(true);
      expect(rows.isEmergencyWindowOpen(window, patient, 1_800_086_400)).to.equal(false);
    });

    it("ends an open window when the patient turns emergency access off, even if turned on again", function () {
      const patient = rows.newPatient(ALICE);
      const window = opened(patient);
      const offThenOn = rows.emergencySet(rows.emergencySet(patient, false), true);
      expect(rows.isEmergencyWindowOpen(window, offThenOn, 1_800_000_001)).to.equal(false);
      expect(rows.isEmergencyWindowOpen(opened(offThenOn), offThenOn, 1_800_000_001)).to.equal(true);
    });
  });

  describe("providers and records", function () {
    it("registers a provider active and without emergency capability", function () {
      const row = rows.providerRegistered(
        { provider: CLINIC, kind: 0, name: "Northside", credentialHash: TX, registrar: REGISTRAR },
        at(3),
      );
      expect(row).to.include({ address: CLINIC, active: true, emergencyCapable: false, registeredAt: 1_800_000_003 });
    });

    it("adds a record as current (supersededBy 0) with its URI from the event", function () {
      const row = rows.recordAdded(
        { patient: ALICE, recordId: 1n, author: CLINIC, category: 4, contentHash: TX, uri: "bafkrei…" },
        at(7),
      );
      expect(row).to.deep.include({ supersededBy: 0n, uri: "bafkrei…", createdAt: 1_800_000_007 });
    });
  });
});
