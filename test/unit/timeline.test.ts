import { expect } from "chai";
import {
  encodeAbiParameters,
  encodeEventTopics,
  keccak256,
  parseEventLogs,
  stringToBytes,
  type Abi,
  type AbiEvent,
  type Address,
  type Hex,
  type Log,
} from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import type { PatientEvent } from "@/lib/consentClient";
import type { Disclosure } from "@/app/_lib/gatewayClient";
import { parseCategories, ROUTINE_CATEGORIES } from "@/lib/consentCodes";
import { emergencyReasonHash, emergencyReasonOf } from "@/lib/emergency";
import {
  buildTimeline,
  filterTimeline,
  latestDelegates,
  openEmergencyAccesses,
  timelineProviders,
  type TimelineEntry,
} from "@/app/_lib/timeline";

// The seeded demo scene's accounts (Hardhat #2 to #8).
const NORTHSIDE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const ST_MARYS = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const RIVERSIDE = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const HEART_STUDY = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const BOB = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
const CAROL = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const DAVE = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";

const NAMES: Record<string, string> = {
  [NORTHSIDE]: "Northside Family Practice",
  [ST_MARYS]: "St. Mary's Hospital",
  [RIVERSIDE]: "Riverside Laboratory",
  [HEART_STUDY]: "Heart Health Research Study",
  [CAROL]: "Carol",
};
const options = {
  nameOf: (address: Address) => NAMES[address],
  describeReason: (hash: Hex) => emergencyReasonOf(hash)?.label.toLowerCase(),
};

const DAY = 24 * 3600;
/** 15 Jan 2026, 09:30 UTC. */
const T = Date.UTC(2026, 0, 15, 9, 30) / 1000;
const DEC_24_2026_END = Date.UTC(2026, 11, 24, 23, 59, 59) / 1000;
const LAB = parseCategories("lab-results");
const LAB_AND_MEDS = parseCategories("lab-results,medications");
const GENETIC = parseCategories("genetic-data");
const CONSENT_REGISTRY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const RECORD_REGISTRY = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const PATIENT_ABI = [...abis.ConsentRegistry, ...abis.RecordRegistry] as const;

/**
 * A log as the node returns it (topics and ABI-encoded data), decoded with the registries' ABI the way
 * `getPatientEvents` decodes it, with its block's timestamp.
 */
function patientEvent(
  eventName: PatientEvent["eventName"],
  args: Record<string, unknown>,
  at: { block: number; timestamp: number; logIndex?: number },
): PatientEvent {
  const event = (PATIENT_ABI as Abi).find(
    (item): item is AbiEvent => item.type === "event" && item.name === eventName,
  )!;
  const indexed = Object.fromEntries(event.inputs.filter((i) => i.indexed).map((i) => [i.name!, args[i.name!]]));
  const unindexed = event.inputs.filter((i) => !i.indexed);
  const transactionHash = keccak256(stringToBytes(`tx ${at.block}`));
  const log: Log = {
    address: eventName.startsWith("Record") ? RECORD_REGISTRY : CONSENT_REGISTRY,
    blockHash: keccak256(stringToBytes(`block ${at.block}`)),
    blockNumber: BigInt(at.block),
    data: encodeAbiParameters(
      unindexed,
      unindexed.map((i) => args[i.name!]),
    ),
    logIndex: at.logIndex ?? 0,
    transactionHash,
    transactionIndex: 0,
    removed: false,
    topics: encodeEventTopics({ abi: [event], eventName, args: indexed } as never) as Log["topics"],
  };
  const [decoded] = parseEventLogs({ abi: PATIENT_ABI, logs: [log] });
  expect(decoded.eventName).to.equal(eventName);
  return { ...decoded, timestamp: at.timestamp } as PatientEvent;
}

const UNCONSCIOUS = emergencyReasonHash("UNCONSCIOUS_PATIENT");
const CONTENT_HASH = keccak256(stringToBytes("ciphertext"));

/** Bob's history, oldest first: one of each event, a change by his delegate Carol, a break-glass and a revoke-all. */
function bobsHistory(): PatientEvent[] {
  let block = 0;
  const at = (timestamp: number, logIndex = 0) => ({ block: logIndex === 0 ? ++block : block, timestamp, logIndex });
  const grant = (
    grantee: Address,
    categories: bigint,
    actions: number,
    purposes: number,
    expiresAt: number,
    by: Address,
  ) => ({ patient: BOB, grantee, categories, actions, purposes, expiresAt, by });
  return [
    patientEvent("DelegateSet", { patient: BOB, delegate: CAROL, allowed: true }, at(T)),
    patientEvent("ConsentGranted", grant(NORTHSIDE, LAB_AND_MEDS, 1, 1, DEC_24_2026_END, BOB), at(T + 60)),
    patientEvent("ConsentGranted", grant(NORTHSIDE, ROUTINE_CATEGORIES, 1, 1, DEC_24_2026_END, CAROL), at(T + 120)),
    patientEvent("EmergencyAccessSet", { patient: BOB, allowed: true }, at(T + 180)),
    patientEvent(
      "EmergencyAccessUsed",
      { patient: BOB, grantee: ST_MARYS, reasonHash: UNCONSCIOUS, expiresAt: T + 240 + DAY },
      at(T + 240),
    ),
    patientEvent(
      "RecordAdded",
      { patient: BOB, recordId: 1n, author: RIVERSIDE, category: 4, contentHash: CONTENT_HASH, uri: "bafkrei1" },
      at(T + 300),
    ),
    patientEvent(
      "RecordAdded",
      { patient: BOB, recordId: 2n, author: RIVERSIDE, category: 4, contentHash: CONTENT_HASH, uri: "bafkrei2" },
      at(T + 300, 1),
    ),
    patientEvent("RecordSuperseded", { patient: BOB, recordId: 1n, newRecordId: 2n }, at(T + 300, 2)),
    patientEvent("ConsentRevoked", { patient: BOB, grantee: NORTHSIDE, by: BOB }, at(T + 360)),
    patientEvent("ConsentGranted", grant(RIVERSIDE, LAB, 3, 1, T + 420 + 7 * DAY, BOB), at(T + 420)),
    // A week later the first grant has expired: granting again is a new grant, not a change.
    patientEvent("ConsentGranted", grant(RIVERSIDE, LAB, 3, 1 | 8, DEC_24_2026_END, BOB), at(T + 8 * DAY)),
    patientEvent("ConsentGranted", grant(HEART_STUDY, GENETIC, 1, 8, DEC_24_2026_END, CAROL), at(T + 9 * DAY)),
    patientEvent("NonceUsed", { patient: BOB, nonce: 0n }, at(T + 10 * DAY)),
    patientEvent("AllConsentsRevoked", { patient: BOB, epoch: 1 }, at(T + 11 * DAY)),
    patientEvent(
      "RecordAdded",
      { patient: BOB, recordId: 3n, author: BOB, category: 1, contentHash: CONTENT_HASH, uri: "bafkrei3" },
      at(T + 12 * DAY),
    ),
    patientEvent("DelegateSet", { patient: BOB, delegate: CAROL, allowed: false }, at(T + 13 * DAY)),
    patientEvent("EmergencyAccessSet", { patient: BOB, allowed: false }, at(T + 14 * DAY)),
  ];
}

/** The parts of an entry a patient reads. */
const words = (entry: TimelineEntry) => ({
  kind: entry.kind,
  title: entry.title,
  detail: entry.detail,
  byLine: entry.byLine,
});

describe("timeline (a patient's events in plain words)", function () {
  describe("buildTimeline", function () {
    it("turns every event type into an entry in plain words, newest first", function () {
      const entries = buildTimeline(bobsHistory(), BOB, options);
      expect(entries.map(words)).to.deep.equal([
        {
          kind: "emergencyOff",
          title: "Emergency access turned off",
          detail: "No provider may use emergency access; any emergency access still open ended.",
          byLine: "by you",
        },
        {
          kind: "delegateRemoved",
          title: "Carol is no longer your delegate",
          detail: "They can no longer grant or revoke consents for you.",
          byLine: "by you",
        },
        { kind: "recordAdded", title: "Record 3 added: allergies", detail: undefined, byLine: "by you" },
        {
          kind: "revokedAll",
          title: "Every consent was revoked",
          detail:
            "Riverside Laboratory and Heart Health Research Study lost access at once. What they had already read " +
            "cannot be un-read. Carol is no longer your delegate. Signatures you had given and nobody had used yet " +
            "were cancelled.",
          byLine: "by you",
        },
        {
          kind: "signaturesCancelled",
          title: "Unused signatures were cancelled",
          detail: "Consents you had signed but nobody had submitted yet can no longer be used.",
          byLine: "by you",
        },
        {
          kind: "granted",
          title: "Heart Health Research Study was given access",
          detail: "It may read your genetic data for research until 24 Dec 2026.",
          byLine: "by your delegate Carol",
        },
        {
          kind: "granted",
          title: "Riverside Laboratory was given access",
          detail: "It may read and add records to your lab results for treatment and research until 24 Dec 2026.",
          byLine: "by you",
        },
        {
          kind: "granted",
          title: "Riverside Laboratory was given access",
          detail: "It may read and add records to your lab results for treatment until 22 Jan 2026.",
          byLine: "by you",
        },
        {
          kind: "revoked",
          title: "Northside Family Practice's access was revoked",
          detail: "From then on it could no longer read or add records. What it had already read cannot be un-read.",
          byLine: "by you",
        },
        {
          kind: "recordSuperseded",
          title: "Record 1 (lab results) was amended by record 2",
          detail: "The earlier version stays on record; the new one replaces it.",
          byLine: "by Riverside Laboratory",
        },
        {
          kind: "recordAdded",
          title: "Record 2 added: lab results",
          detail: undefined,
          byLine: "by Riverside Laboratory",
        },
        {
          kind: "recordAdded",
          title: "Record 1 added: lab results",
          detail: undefined,
          byLine: "by Riverside Laboratory",
        },
        {
          kind: "emergencyUsed",
          title: "Emergency access used by St. Mary's Hospital",
          detail:
            "It could read your routine data (never the sensitive categories) for emergency care until " +
            "16 Jan 2026, 09:34 UTC. Reason given: the patient is unconscious.",
          byLine: undefined,
        },
        {
          kind: "emergencyOn",
          title: "Emergency access turned on",
          detail: "An emergency-capable provider may read your routine data for 24 hours in an emergency.",
          byLine: "by you",
        },
        {
          kind: "changed",
          title: "Northside Family Practice's access was changed",
          detail: "It may now read all your routine data for treatment until 24 Dec 2026.",
          byLine: "by your delegate Carol",
        },
        {
          kind: "granted",
          title: "Northside Family Practice was given access",
          detail: "It may read your medications and lab results for treatment until 24 Dec 2026.",
          byLine: "by you",
        },
        {
          kind: "delegateAdded",
          title: "Carol became your delegate",
          detail: "A delegate may grant and revoke consents for you.",
          byLine: "by you",
        },
      ]);
    });

    it("identifies each entry by its transaction and log, and keeps block and time", function () {
      const history = bobsHistory();
      const entries = buildTimeline(history, BOB, options);
      const superseded = entries.find((e) => e.kind === "recordSuperseded")!;
      const source = history.find((e) => e.eventName === "RecordSuperseded")!;
      expect(superseded.id).to.equal(`${source.transactionHash}:2`);
      expect(superseded.transactionHash).to.equal(source.transactionHash);
      expect(superseded.blockNumber).to.equal(source.blockNumber);
      expect(superseded.timestamp).to.equal(T + 300);
      expect(new Set(entries.map((e) => e.id)).size).to.equal(entries.length);
    });

    it("orders by block and log index whatever order the events arrive in", function () {
      const history = bobsHistory();
      const shuffled = [...history.slice(9), ...history.slice(5, 9).reverse(), ...history.slice(0, 5).reverse()];
      expect(buildTimeline(shuffled, BOB, options)).to.deep.equal(buildTimeline(history, BOB, options));
    });

    it("highlights emergency access used, and nothing else", function () {
      const entries = buildTimeline(bobsHistory(), BOB, options);
      expect(entries.filter((e) => e.highlight).map((e) => e.kind)).to.deep.equal(["emergencyUsed"]);
      const used = entries.find((e) => e.kind === "emergencyUsed")!;
      expect(used.providers).to.deep.equal([ST_MARYS]);
      expect(used.categories).to.equal(ROUTINE_CATEGORIES);
    });

    it("leaves out a reason it does not know, and shortens addresses it cannot name", function () {
      const unknownReason = keccak256(stringToBytes("EMERGENCY:SOMETHING_ELSE"));
      const history = [
        patientEvent(
          "EmergencyAccessUsed",
          { patient: BOB, grantee: ST_MARYS, reasonHash: unknownReason, expiresAt: T + DAY },
          { block: 1, timestamp: T },
        ),
      ];
      const [withNames] = buildTimeline(history, BOB, options);
      expect(withNames.detail).to.equal(
        "It could read your routine data (never the sensitive categories) for emergency care until " +
          "16 Jan 2026, 09:30 UTC.",
      );
      const [withoutNames] = buildTimeline(history, BOB);
      expect(withoutNames.title).to.equal("Emergency access used by 0x90F7…b906");
    });

    it("calls a grant a change only while the provider's previous consent was still live", function () {
      const kinds = buildTimeline(bobsHistory(), BOB, options)
        .filter((e) => e.kind === "granted" || e.kind === "changed")
        .map((e) => `${e.kind} ${e.providers[0]}`)
        .reverse();
      expect(kinds).to.deep.equal([
        `granted ${NORTHSIDE}`,
        `changed ${NORTHSIDE}`,
        `granted ${RIVERSIDE}`, // first grant
        `granted ${RIVERSIDE}`, // after the first expired
        `granted ${HEART_STUDY}`,
      ]);
    });

    it("calls a grant after a revocation or a revoke-all a new grant", function () {
      const grant = (block: number, timestamp: number) =>
        patientEvent(
          "ConsentGranted",
          {
            patient: BOB,
            grantee: NORTHSIDE,
            categories: LAB,
            actions: 1,
            purposes: 1,
            expiresAt: DEC_24_2026_END,
            by: BOB,
          },
          { block, timestamp },
        );
      const history = [
        grant(1, T),
        patientEvent("ConsentRevoked", { patient: BOB, grantee: NORTHSIDE, by: BOB }, { block: 2, timestamp: T + 60 }),
        grant(3, T + 120),
        grant(4, T + 180),
        patientEvent("AllConsentsRevoked", { patient: BOB, epoch: 1 }, { block: 5, timestamp: T + 240 }),
        grant(6, T + 300),
      ];
      expect(
        buildTimeline(history, BOB, options)
          .map((e) => e.kind)
          .reverse(),
      ).to.deep.equal(["granted", "revoked", "granted", "changed", "revokedAll", "granted"]);
    });

    it("names only the consents a revoke-all ended, or says none was active", function () {
      const history = [
        patientEvent(
          "ConsentGranted",
          { patient: BOB, grantee: NORTHSIDE, categories: LAB, actions: 1, purposes: 1, expiresAt: T + DAY, by: BOB },
          { block: 1, timestamp: T },
        ),
        patientEvent("AllConsentsRevoked", { patient: BOB, epoch: 1 }, { block: 2, timestamp: T + 2 * DAY }),
      ];
      const [revokedAll] = buildTimeline(history, BOB, options);
      expect(words(revokedAll)).to.deep.equal({
        kind: "revokedAll",
        title: "Every consent was revoked",
        detail: "No consent was active at the time. Signatures you had given and nobody had used yet were cancelled.",
        byLine: "by you",
      });
      expect(revokedAll.providers).to.deep.equal([]);
      expect(revokedAll.categories).to.equal(0n);
    });

    it("says which delegates a revoke-all removed, and no longer calls them delegates afterwards", function () {
      const history = [
        patientEvent("DelegateSet", { patient: BOB, delegate: CAROL, allowed: true }, { block: 1, timestamp: T }),
        patientEvent("AllConsentsRevoked", { patient: BOB, epoch: 1 }, { block: 2, timestamp: T + 60 }),
        patientEvent(
          "ConsentGranted",
          { patient: BOB, grantee: NORTHSIDE, categories: LAB, actions: 1, purposes: 1, expiresAt: T + DAY, by: BOB },
          { block: 3, timestamp: T + 120 },
        ),
      ];
      const [granted, revokedAll] = buildTimeline(history, BOB, options);
      expect(revokedAll.detail).to.equal(
        "No consent was active at the time. Carol is no longer your delegate. Signatures you had given and nobody " +
          "had used yet were cancelled.",
      );
      expect(granted.byLine).to.equal("by you");
    });

    it("says 'by your delegate' only while the author is a delegate", function () {
      const grantBy = (by: Address, block: number) =>
        patientEvent(
          "ConsentGranted",
          {
            patient: BOB,
            grantee: HEART_STUDY,
            categories: GENETIC,
            actions: 1,
            purposes: 8,
            expiresAt: DEC_24_2026_END,
            by,
          },
          { block, timestamp: T + block },
        );
      const history = [
        grantBy(CAROL, 1),
        patientEvent("DelegateSet", { patient: BOB, delegate: CAROL, allowed: true }, { block: 2, timestamp: T + 2 }),
        grantBy(CAROL, 3),
        grantBy(BOB, 4),
        patientEvent("DelegateSet", { patient: BOB, delegate: CAROL, allowed: false }, { block: 5, timestamp: T + 5 }),
        grantBy(CAROL, 6),
      ];
      expect(
        buildTimeline(history, BOB, options)
          .filter((e) => e.kind === "granted" || e.kind === "changed")
          .map((e) => e.byLine)
          .reverse(),
      ).to.deep.equal(["by Carol", "by your delegate Carol", "by you", "by Carol"]);
    });
  });

  describe("filterTimeline", function () {
    const entries = buildTimeline(bobsHistory(), BOB, options);
    const kinds = (list: TimelineEntry[]) => list.map((e) => e.kind);

    it("keeps everything without a filter", function () {
      expect(filterTimeline(entries, {})).to.deep.equal(entries);
    });

    it("keeps the entries about one provider, whatever the address's case", function () {
      expect(kinds(filterTimeline(entries, { provider: NORTHSIDE }))).to.deep.equal(["revoked", "changed", "granted"]);
      expect(filterTimeline(entries, { provider: NORTHSIDE.toLowerCase() as Address })).to.deep.equal(
        filterTimeline(entries, { provider: NORTHSIDE }),
      );
      expect(kinds(filterTimeline(entries, { provider: RIVERSIDE }))).to.deep.equal([
        "revokedAll",
        "granted",
        "granted",
        "recordSuperseded",
        "recordAdded",
        "recordAdded",
      ]);
      expect(kinds(filterTimeline(entries, { provider: ST_MARYS }))).to.deep.equal(["emergencyUsed"]);
      expect(filterTimeline(entries, { provider: DAVE })).to.deep.equal([]);
    });

    it("keeps the entries about one category, never the settings", function () {
      // Lab results (bit 4): the revoke-all, Riverside's grants and records, Northside's grants and revocation
      // (revoked terms included routine data) and the break-glass (routine data).
      expect(kinds(filterTimeline(entries, { category: 4 }))).to.deep.equal([
        "revokedAll",
        "granted",
        "granted",
        "revoked",
        "recordSuperseded",
        "recordAdded",
        "recordAdded",
        "emergencyUsed",
        "changed",
        "granted",
      ]);
      expect(kinds(filterTimeline(entries, { category: 35 }))).to.deep.equal(["revokedAll", "granted"]);
      expect(kinds(filterTimeline(entries, { category: 1 }))).to.deep.equal([
        "recordAdded",
        "revoked",
        "emergencyUsed",
        "changed",
      ]);
      expect(filterTimeline(entries, { category: 32 })).to.deep.equal([]);
    });

    it("combines the provider and the category", function () {
      expect(kinds(filterTimeline(entries, { provider: NORTHSIDE, category: 2 }))).to.deep.equal([
        "revoked",
        "changed",
        "granted",
      ]);
      expect(kinds(filterTimeline(entries, { provider: HEART_STUDY, category: 35 }))).to.deep.equal([
        "revokedAll",
        "granted",
      ]);
      expect(filterTimeline(entries, { provider: HEART_STUDY, category: 2 })).to.deep.equal([]);
    });

    it("lists each provider once, newest first", function () {
      expect(timelineProviders(entries)).to.deep.equal([RIVERSIDE, HEART_STUDY, NORTHSIDE, ST_MARYS]);
    });
  });

  describe("latestDelegates", function () {
    const set = (delegate: Address, allowed: boolean, block: number) =>
      patientEvent("DelegateSet", { patient: BOB, delegate, allowed }, { block, timestamp: T + block });

    it("keeps the delegates whose latest event added them", function () {
      expect(latestDelegates([])).to.deep.equal([]);
      expect(latestDelegates([set(CAROL, true, 1), set(DAVE, true, 2), set(CAROL, false, 3)])).to.deep.equal([DAVE]);
      expect(latestDelegates([set(CAROL, true, 1), set(CAROL, false, 2), set(CAROL, true, 3)])).to.deep.equal([CAROL]);
      expect(latestDelegates(bobsHistory())).to.deep.equal([]);
      expect(latestDelegates(bobsHistory().slice(0, 5))).to.deep.equal([CAROL]);
    });

    it("drops every delegate named before a revoke-all, which removes them on chain", function () {
      const revokeAll = (block: number) =>
        patientEvent("AllConsentsRevoked", { patient: BOB, epoch: 1 }, { block, timestamp: T + block });
      expect(latestDelegates([set(CAROL, true, 1), set(DAVE, true, 2), revokeAll(3)])).to.deep.equal([]);
      expect(latestDelegates([set(CAROL, true, 1), revokeAll(2), set(DAVE, true, 3)])).to.deep.equal([DAVE]);
      expect(latestDelegates([set(CAROL, true, 1), revokeAll(2), set(CAROL, true, 3)])).to.deep.equal([CAROL]);
    });
  });

  describe("openEmergencyAccesses", function () {
    const used = (grantee: Address, block: number, expiresAt: number) =>
      patientEvent(
        "EmergencyAccessUsed",
        { patient: BOB, grantee, reasonHash: UNCONSCIOUS, expiresAt },
        { block, timestamp: T + block },
      );
    const setting = (allowed: boolean, block: number) =>
      patientEvent("EmergencyAccessSet", { patient: BOB, allowed }, { block, timestamp: T + block });

    it("lists the break-glasses whose 24-hour window is still open at now", function () {
      const events = [used(ST_MARYS, 1, T + DAY)];
      expect(openEmergencyAccesses(events, T + 60)).to.deep.equal([{ grantee: ST_MARYS, expiresAt: T + DAY }]);
      expect(openEmergencyAccesses(events, T + DAY - 1)).to.have.length(1);
      expect(openEmergencyAccesses(events, T + DAY)).to.deep.equal([]);
    });

    it("keeps one entry per provider, the latest window", function () {
      const events = [used(ST_MARYS, 1, T + DAY), used(NORTHSIDE, 2, T + DAY + 2), used(ST_MARYS, 3, T + DAY + 3)];
      expect(openEmergencyAccesses(events, T + 10)).to.deep.equal([
        { grantee: ST_MARYS, expiresAt: T + DAY + 3 },
        { grantee: NORTHSIDE, expiresAt: T + DAY + 2 },
      ]);
    });

    it("ends every open access when the patient turns emergency access off", function () {
      expect(openEmergencyAccesses([used(ST_MARYS, 1, T + DAY), setting(false, 2)], T + 10)).to.deep.equal([]);
      expect(
        openEmergencyAccesses(
          [used(ST_MARYS, 1, T + DAY), setting(false, 2), setting(true, 3), used(NORTHSIDE, 4, T + DAY)],
          T + 10,
        ),
      ).to.deep.equal([{ grantee: NORTHSIDE, expiresAt: T + DAY }]);
      expect(openEmergencyAccesses(bobsHistory(), T + 300)).to.deep.equal([]);
      expect(openEmergencyAccesses(bobsHistory().slice(0, 5), T + 300)).to.deep.equal([
        { grantee: ST_MARYS, expiresAt: T + 240 + DAY },
      ]);
    });
  });

  describe("reads from the gateway's disclosure log", function () {
    const read = (seq: number, reader: Address, recordId: number, servedAt: number, anchored = false): Disclosure => ({
      id: seq,
      seq: anchored ? seq : null,
      decisionBlock: null,
      reader,
      patient: BOB,
      recordId: String(recordId),
      purpose: 1,
      servedAt,
      requestId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
      anchor: anchored ? { root: CONTENT_HASH, proof: [], fromSeq: seq, toSeq: seq, txHash: CONTENT_HASH } : null,
    });

    it("merges reads into the chain's entries by time, newest first, with the record's category", function () {
      const disclosures = [read(1, RIVERSIDE, 2, T + 330, true), read(2, BOB, 1, T + 400)];
      const entries = buildTimeline(bobsHistory(), BOB, { ...options, disclosures });
      const reads = entries.filter((e) => e.kind === "recordRead");
      expect(reads.map((e) => e.title)).to.deep.equal([
        "You read record 1 (lab results)",
        "Riverside Laboratory read record 2 (lab results)",
      ]);
      const times = entries.map((e) => e.timestamp);
      expect(times).to.deep.equal([...times].sort((a, b) => b - a));
      const labRead = reads[1];
      expect(labRead.id).to.equal("read:1");
      expect(labRead.detail).to.equal(
        "For treatment. Logged by the gateway before the file was handed out, and anchored on the chain.",
      );
      expect(reads[0].detail).to.match(/not anchored on the chain yet\.$/);
      expect(labRead.transactionHash).to.equal(undefined);
      expect(labRead.providers).to.deep.equal([RIVERSIDE]);
      expect(reads[0].providers).to.deep.equal([]);
    });

    it("filters reads by provider and category like any other entry", function () {
      const disclosures = [read(1, RIVERSIDE, 2, T + 330), read(2, NORTHSIDE, 9, T + 331)];
      const entries = buildTimeline(bobsHistory(), BOB, { ...options, disclosures });
      const riverside = filterTimeline(entries, { provider: RIVERSIDE as Address }).filter(
        (e) => e.kind === "recordRead",
      );
      expect(riverside.map((e) => e.id)).to.deep.equal(["read:1"]);
      // Record 9 has no RecordAdded event here: its category is unknown, so no category filter matches it.
      const lab = filterTimeline(entries, { category: 4 }).filter((e) => e.kind === "recordRead");
      expect(lab.map((e) => e.id)).to.deep.equal(["read:1"]);
      expect(entries.find((e) => e.id === "read:2")?.title).to.equal("Northside Family Practice read record 9");
      expect(timelineProviders(entries)).to.include(NORTHSIDE);
    });

    it("highlights a provider's emergency read (purpose emergency) in words, not only by colour", function () {
      const disclosures = [
        { ...read(3, ST_MARYS, 2, T + 300), purpose: 32 },
        { ...read(4, BOB, 2, T + 301), purpose: 32 },
        read(5, RIVERSIDE, 2, T + 302),
      ];
      const reads = buildTimeline(bobsHistory(), BOB, { ...options, disclosures }).filter(
        (e) => e.kind === "recordRead",
      );
      const emergency = reads.find((e) => e.id === "read:3")!;
      expect(emergency.highlight).to.equal(true);
      expect(emergency.title).to.equal("St. Mary's Hospital read record 2 (lab results) in an emergency");
      expect(emergency.detail).to.equal(
        "For emergency care, through emergency access, without your consent. Logged by the gateway before the file " +
          "was handed out; not anchored on the chain yet.",
      );
      // The patient's own read for an emergency and an ordinary read stay ordinary.
      expect(reads.filter((e) => e.highlight).map((e) => e.id)).to.deep.equal(["read:3"]);
    });

    it("leaves the chain's timeline unchanged without reads", function () {
      expect(buildTimeline(bobsHistory(), BOB, { ...options, disclosures: [] })).to.deep.equal(
        buildTimeline(bobsHistory(), BOB, options),
      );
    });
  });
});
