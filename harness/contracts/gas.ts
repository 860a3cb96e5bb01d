// Gas measurement shared by scripts/bench-gas.ts and test/Gas.ts: each operation's measured gas beside the theoretical
// minimum of what it stores, reads and logs. The footprint of each operation is declared by hand from the contracts and
// checked against the transaction's opcode trace, so the printed arithmetic cannot drift from the code.
import { ethers } from "hardhat";
import type { ContractTransactionResponse, Signer } from "ethers";
import { GasAnchorAccessControl__factory, GasAnchorToken__factory } from "@/typechain-types";
import { Action, Category, ProviderKind, Purpose, categories, DAY, HOUR, YEAR } from "./codes";
import { CREDENTIAL, deployFixture } from "./fixtures";
import { consentDomain, signGrant } from "./signatures";
import { latestTime } from "./time";
import { cidOfHash } from "@/lib/vault/cid";

/** Gas schedule (Cancun and later, EIP-2929 / EIP-2200 / EIP-3529) used for the theoretical minimum. */
export const GAS = {
  TX: 21_000,
  CALLDATA_ZERO_BYTE: 4,
  CALLDATA_NONZERO_BYTE: 16,
  NEW_SLOT: 22_100, // 20,000 SSTORE zero -> non-zero + 2,100 cold
  CHANGED_SLOT: 5_000, // 2,900 SSTORE non-zero -> non-zero + 2,100 cold
  CLEAR_REFUND: 4_800, // refunded for non-zero -> zero, capped at a fifth of the gas used
  COLD_SLOT_READ: 2_100,
  COLD_ACCOUNT: 2_600,
  LOG: 375,
  LOG_TOPIC: 375,
  LOG_DATA_BYTE: 8,
  ECRECOVER: 3_000,
  P256VERIFY: 6_900, // EIP-7951 (Osaka): the secp256r1 verification precompile at 0x100
  FLOOR_PER_TOKEN: 10, // EIP-7623: a transaction pays at least 21,000 + 10 per calldata token (zero byte 1, other 4)
} as const;

/** Gas goals, by operation key: upper bounds asserted by test/Gas.ts and shown by the benchmark. */
export const GOALS = {
  grantNew: { operation: "grantConsent, new consent", gas: 60_000 },
  grantChanged: { operation: "grantConsent, changed consent (same epoch)", gas: 40_000 },
  hasAccess: { operation: "hasAccess (estimateGas, access granted)", gas: 35_000 },
  revoke: { operation: "revokeConsent", gas: 35_000 },
  revokeAllFirst: { operation: "revokeAllConsents, patient's first (creates state slot)", gas: 50_000 },
  revokeAll: { operation: "revokeAllConsents", gas: 35_000 },
  grantBySig: { operation: "grantConsentBySig, first nonce, new consent (relayed)", gas: 90_000 },
  addRecordFirst: { operation: "addRecord, patient's first record", gas: 100_000 },
  addRecordLater: { operation: "addRecord, a later record", gas: 100_000 },
  addRecordByLab: { operation: "addRecord by a lab through its APPEND consent", gas: 100_000 },
} as const;

function withGoal(key: keyof typeof GOALS): Pick<OperationSpec, "key" | "label" | "goal"> {
  return { key, label: GOALS[key].operation, goal: GOALS[key].gas };
}

/** Reference numbers of well-known operations, for scale. EAS attest is not measured here. */
export const REFERENCES = { approve: 46_366, grantRole: 51_442, permit: 74_765, easAttest: 249_000 } as const;

/**
 * What an operation does to state, by contract. Every entry starts with the contract's name and a colon; the trace
 * check compares, per contract, how many entries each list holds.
 */
export interface Footprint {
  /** Slots written from zero to non-zero: 22,100 each. */
  newSlots: string[];
  /** Slots written from one non-zero value to another: 5,000 each. */
  changedSlots: string[];
  /** Slots written from non-zero to zero: 5,000 each, 4,800 refunded. */
  clearedSlots: string[];
  /** Slots read and not written: 2,100 each (cold). */
  coldReads: string[];
  /** Contracts other than the transaction's target that are called: 2,600 each (cold account). */
  coldAccounts: string[];
  /** Events in emission order: 375 + 375 per topic (the signature is one) + 8 per data byte. */
  logs: { event: string; topics: number; dataBytes: number }[];
  /** Signatures recovered with the ecrecover precompile: 3,000 each. */
  ecrecovers: number;
  /** P-256 (passkey) signatures verified by the P256VERIFY precompile: 6,900 each. */
  p256Verifications?: number;
}

export interface MinimumTerm {
  label: string;
  /** How the term is computed, when it is more than one constant. */
  detail?: string;
  gas: number;
}

export interface Measurement {
  key: string;
  label: string;
  /** `receipt` for transactions (gasUsed), `estimate` for views (eth_estimateGas). */
  source: "receipt" | "estimate";
  gas: number;
  goal?: number;
  /** Reference number for anchors. */
  reference?: number;
  calldata: { bytes: number; zero: number; nonZero: number };
  footprint: Footprint;
  minimum: number;
  terms: MinimumTerm[];
  /** Differences between the declared footprint and the trace; empty when the model is right. */
  mismatches: string[];
}

export const UINT = 32; // one ABI word

/** An operation that touches nothing: each operation's footprint spreads it and fills in what it does. */
export const NO_FOOTPRINT: Footprint = {
  newSlots: [],
  changedSlots: [],
  clearedSlots: [],
  coldReads: [],
  coldAccounts: [],
  logs: [],
  ecrecovers: 0,
};

const n = (value: number) => value.toLocaleString("en-US");

/** Data bytes of an ABI-encoded dynamic string or bytes: offset word, length word, padded content. */
function dynamicBytes(length: number): number {
  return 2 * UINT + Math.ceil(length / UINT) * UINT;
}

export function calldataCost(data: string): { bytes: number; zero: number; nonZero: number; gas: number } {
  const bytes = ethers.getBytes(data);
  const zero = bytes.filter((b) => b === 0).length;
  const nonZero = bytes.length - zero;
  return {
    bytes: bytes.length,
    zero,
    nonZero,
    gas: GAS.CALLDATA_ZERO_BYTE * zero + GAS.CALLDATA_NONZERO_BYTE * nonZero,
  };
}

export function logCost(log: { topics: number; dataBytes: number }): number {
  return GAS.LOG + GAS.LOG_TOPIC * log.topics + GAS.LOG_DATA_BYTE * log.dataBytes;
}

/** The theoretical minimum of a transaction with this calldata and footprint, term by term. */
export function theoreticalMinimum(data: string, footprint: Footprint): { minimum: number; terms: MinimumTerm[] } {
  const calldata = calldataCost(data);
  const terms: MinimumTerm[] = [
    { label: "intrinsic", gas: GAS.TX },
    { label: "calldata", detail: `${calldata.nonZero}×16 + ${calldata.zero}×4`, gas: calldata.gas },
  ];
  const add = (count: number, each: number, what: string) => {
    if (count > 0) {
      terms.push({ label: count > 1 ? `${what}s` : what, detail: `${count}×${n(each)}`, gas: count * each });
    }
  };
  add(footprint.newSlots.length, GAS.NEW_SLOT, "new slot");
  add(footprint.changedSlots.length, GAS.CHANGED_SLOT, "changed slot");
  add(footprint.clearedSlots.length, GAS.CHANGED_SLOT, "cleared slot");
  add(footprint.coldReads.length, GAS.COLD_SLOT_READ, "cold read");
  add(footprint.coldAccounts.length, GAS.COLD_ACCOUNT, "cold account");
  for (const log of footprint.logs) {
    const detail = `375 + ${log.topics}×375 + ${log.dataBytes}×8`;
    terms.push({ label: `log ${log.event}`, detail, gas: logCost(log) });
  }
  add(footprint.ecrecovers, GAS.ECRECOVER, "ecrecover");
  add(footprint.p256Verifications ?? 0, GAS.P256VERIFY, "P-256 verification");
  const spent = terms.reduce((sum, term) => sum + term.gas, 0);
  const refund = Math.min(footprint.clearedSlots.length * GAS.CLEAR_REFUND, Math.floor(spent / 5));
  if (refund > 0) terms.push({ label: "refund for clearing", gas: -refund });
  // EIP-7623 floor, far below every operation here but part of the rule.
  const floor = GAS.TX + GAS.FLOOR_PER_TOKEN * (calldata.zero + 4 * calldata.nonZero);
  return { minimum: Math.max(spent - refund, floor), terms };
}

/** The terms of a minimum as one sum: "21,000 intrinsic + 1,028 calldata (31×16 + 133×4) + ... = 53,708". */
export function formatTerms(terms: MinimumTerm[], minimum: number): string {
  const term = (t: MinimumTerm) => `${n(Math.abs(t.gas))} ${t.label}${t.detail ? ` (${t.detail})` : ""}`;
  const sum = terms.map((t, i) => (i === 0 ? term(t) : `${t.gas < 0 ? "−" : "+"} ${term(t)}`)).join(" ");
  return `${sum} = ${n(minimum)}`;
}

// ---- Trace check ----

interface StructLog {
  op: string;
  depth: number;
  stack?: string[];
}

const word = (item: string) => BigInt(item.startsWith("0x") ? item : `0x${item}`);
const toAddress = (value: bigint) => ethers.getAddress(ethers.toBeHex(value & ((1n << 160n) - 1n), 20));
const PRECOMPILE_MAX = 0x100n;
const ECRECOVER = 1n;
const P256VERIFY = 0x100n;

interface Traced {
  reads: Map<string, { address: string; slot: bigint }>;
  writes: Map<string, { address: string; slot: bigint }>;
  accounts: Set<string>;
  ecrecovers: number;
  p256Verifications: number;
}

/** Storage slots, accounts and ecrecover calls of a trace, tracking which contract executes at each call depth. */
function walkTrace(structLogs: StructLog[], to: string): Traced {
  const traced: Traced = {
    reads: new Map(),
    writes: new Map(),
    accounts: new Set(),
    ecrecovers: 0,
    p256Verifications: 0,
  };
  const executing: string[] = [];
  executing[1] = ethers.getAddress(to);
  let pendingCall: { depth: number; address: string } | undefined;
  for (const step of structLogs) {
    if (pendingCall && step.depth === pendingCall.depth + 1) executing[step.depth] = pendingCall.address;
    pendingCall = undefined;
    const stack = step.stack ?? [];
    const top = (n: number) => word(stack[stack.length - 1 - n]);
    const self = executing[step.depth];
    switch (step.op) {
      case "SLOAD":
      case "SSTORE": {
        const slot = top(0);
        const target = step.op === "SLOAD" ? traced.reads : traced.writes;
        target.set(`${self}:${slot}`, { address: self, slot });
        break;
      }
      case "CALL":
      case "CALLCODE":
      case "STATICCALL":
      case "DELEGATECALL": {
        const callee = top(1);
        if (callee <= PRECOMPILE_MAX) {
          if (callee === ECRECOVER) traced.ecrecovers++;
          if (callee === P256VERIFY) traced.p256Verifications++;
          break;
        }
        traced.accounts.add(toAddress(callee));
        const runsAs = step.op === "CALL" || step.op === "STATICCALL" ? toAddress(callee) : self;
        pendingCall = { depth: step.depth, address: runsAs };
        break;
      }
      case "EXTCODESIZE":
      case "EXTCODEHASH":
      case "EXTCODECOPY":
      case "BALANCE":
        traced.accounts.add(toAddress(top(0)));
        break;
    }
  }
  return traced;
}

function countByContract(entries: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const contract = entry.split(":")[0].trim();
    counts.set(contract, (counts.get(contract) ?? 0) + 1);
  }
  return counts;
}

function compareCounts(what: string, declared: Map<string, number>, traced: Map<string, number>): string[] {
  const mismatches: string[] = [];
  for (const contract of new Set([...declared.keys(), ...traced.keys()])) {
    const d = declared.get(contract) ?? 0;
    const t = traced.get(contract) ?? 0;
    if (d !== t) mismatches.push(`${what} of ${contract}: declared ${d}, traced ${t}`);
  }
  return mismatches;
}

/** Contract names by address, to name what the trace touched. */
export type ContractNames = Map<string, string>;

async function traceMismatches(
  footprint: Footprint,
  structLogs: StructLog[],
  to: string,
  names: ContractNames,
  blockNumber: number,
  logs: readonly { topics: readonly string[]; data: string }[],
): Promise<string[]> {
  const traced = walkTrace(structLogs, to);
  const name = (address: string) => names.get(address) ?? address;
  const newSlots: string[] = [];
  const changedSlots: string[] = [];
  const clearedSlots: string[] = [];
  const coldReads: string[] = [];
  const noOpWrites = new Set<string>();
  for (const [key, { address, slot }] of traced.writes) {
    // Original and final values from the blocks around the transaction (automine: one transaction per block).
    const before = BigInt(await ethers.provider.getStorage(address, slot, blockNumber - 1));
    const after = BigInt(await ethers.provider.getStorage(address, slot, blockNumber));
    const entry = `${name(address)}: ${slot}`;
    if (before === after) noOpWrites.add(key);
    else if (before === 0n) newSlots.push(entry);
    else if (after === 0n) clearedSlots.push(entry);
    else changedSlots.push(entry);
  }
  // A slot only read, or rewritten with the value it held, costs a cold read.
  for (const [key, { address, slot }] of new Map([...traced.reads, ...traced.writes])) {
    if (!traced.writes.has(key) || noOpWrites.has(key)) coldReads.push(`${name(address)}: ${slot}`);
  }
  const accounts = [...traced.accounts].filter((a) => a !== ethers.getAddress(to)).map((a) => `${name(a)}:`);

  const mismatches = [
    ...compareCounts("new slots", countByContract(footprint.newSlots), countByContract(newSlots)),
    ...compareCounts("changed slots", countByContract(footprint.changedSlots), countByContract(changedSlots)),
    ...compareCounts("cleared slots", countByContract(footprint.clearedSlots), countByContract(clearedSlots)),
    ...compareCounts("cold reads", countByContract(footprint.coldReads), countByContract(coldReads)),
    ...compareCounts("cold accounts", countByContract(footprint.coldAccounts), countByContract(accounts)),
  ];
  if (footprint.ecrecovers !== traced.ecrecovers) {
    mismatches.push(`ecrecovers: declared ${footprint.ecrecovers}, traced ${traced.ecrecovers}`);
  }
  // A passkey signature verified in Solidity instead (no precompile) would show here as 0 and cost ~300,000 more.
  if ((footprint.p256Verifications ?? 0) !== traced.p256Verifications) {
    mismatches.push(
      `P256VERIFY calls: declared ${footprint.p256Verifications ?? 0}, traced ${traced.p256Verifications}`,
    );
  }
  const emitted = logs.map((log) => `${log.topics.length} topics, ${ethers.dataLength(log.data)} B`);
  const declared = footprint.logs.map((log) => `${log.topics} topics, ${log.dataBytes} B`);
  if (emitted.join("; ") !== declared.join("; ")) {
    mismatches.push(`logs: declared [${declared.join("; ")}], emitted [${emitted.join("; ")}]`);
  }
  return mismatches;
}

export interface OperationSpec {
  key: string;
  label: string;
  goal?: number;
  reference?: number;
  footprint: Footprint;
}

/** Sends `tx`, and measures its receipt against `spec`'s footprint. */
export async function measureTransaction(
  spec: OperationSpec,
  names: ContractNames,
  tx: Promise<ContractTransactionResponse>,
): Promise<Measurement> {
  const response = await tx;
  const receipt = await response.wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`${spec.key}: transaction failed`);
  const trace = await ethers.provider.send("debug_traceTransaction", [
    response.hash,
    { disableMemory: true, disableStorage: true },
  ]);
  const to = response.to ?? "";
  const mismatches = await traceMismatches(
    spec.footprint,
    trace.structLogs,
    to,
    names,
    receipt.blockNumber,
    receipt.logs,
  );
  return build(spec, "receipt", Number(receipt.gasUsed), response.data, mismatches);
}

/** Measures a view call with eth_estimateGas, as a gateway's `hasAccess` would cost inside a transaction. */
export async function measureCall(
  spec: OperationSpec,
  names: ContractNames,
  call: { from: string; to: string; data: string },
): Promise<Measurement> {
  const gas = await ethers.provider.estimateGas(call);
  const trace = await ethers.provider.send("debug_traceCall", [call, "latest", { disableMemory: true }]);
  // Nothing is written, so the block only matters for the (absent) write classification.
  const blockNumber = await ethers.provider.getBlockNumber();
  const mismatches = await traceMismatches(spec.footprint, trace.structLogs, call.to, names, blockNumber, []);
  return build(spec, "estimate", Number(gas), call.data, mismatches);
}

function build(spec: OperationSpec, source: Measurement["source"], gas: number, data: string, mismatches: string[]) {
  const { minimum, terms } = theoreticalMinimum(data, spec.footprint);
  const { bytes, zero, nonZero } = calldataCost(data);
  return { ...spec, source, gas, calldata: { bytes, zero, nonZero }, minimum, terms, mismatches };
}

// ---- Realistic values ----

/** The CIDv1 (raw codec, sha2-256 multihash, base32) of content with this SHA-256: 59 characters, "bafkrei...". */
export const cidV1 = cidOfHash;

/** A record as a client would add it: SHA-256 of the ciphertext, and its CID as the URI. */
export function encryptedRecord(label: string): { contentHash: string; uri: string } {
  const contentHash = ethers.sha256(ethers.toUtf8Bytes(`ciphertext of ${label}`));
  return { contentHash, uri: cidV1(contentHash) };
}

const LAB_AND_MEDICATIONS = categories(Category.LabResults, Category.Medications);
const REASON_UNRESPONSIVE = ethers.id("medconsent:emergency-reason:unresponsive-patient");

/** Logs of the contracts, by event: topics (signature + indexed) and data bytes. */
const LOG = {
  ConsentGranted: { event: "ConsentGranted", topics: 3, dataBytes: 5 * UINT },
  ConsentRevoked: { event: "ConsentRevoked", topics: 3, dataBytes: 1 * UINT },
  AllConsentsRevoked: { event: "AllConsentsRevoked", topics: 2, dataBytes: 1 * UINT },
  DelegateSet: { event: "DelegateSet", topics: 3, dataBytes: 1 * UINT },
  EmergencyAccessUsed: { event: "EmergencyAccessUsed", topics: 3, dataBytes: 2 * UINT },
  recordAdded: (uriLength: number) => ({
    event: "RecordAdded",
    topics: 4,
    dataBytes: 2 * UINT + dynamicBytes(uriLength),
  }),
  providerRegistered: (nameLength: number) => ({
    event: "ProviderRegistered",
    topics: 3,
    dataBytes: 2 * UINT + dynamicBytes(nameLength),
  }),
  Approval: { event: "Approval", topics: 3, dataBytes: 1 * UINT },
  RoleGranted: { event: "RoleGranted", topics: 4, dataBytes: 0 },
};

// The slots and calls each operation makes, read from the contracts.
const PROVIDER_ACTIVE = "ProviderRegistry: _providers[grantee] slot 0 (kind, status, emergencyCapable, registeredAt)";
const PROVIDER_CALL = "ProviderRegistry: isActiveProvider(grantee), external call";
const PATIENT_STATE = "ConsentRegistry: _patients[patient] (epoch, emergencyEpoch, emergencyDisabled, nonce)";
const CONSENT = "ConsentRegistry: _consents[patient][grantee] (the packed consent)";

function recordFootprint(uriLength: number, firstRecord: boolean, byGrantee: boolean): Footprint {
  const count = "RecordRegistry: _recordCounts[patient]";
  return {
    ...NO_FOOTPRINT,
    newSlots: [
      ...(firstRecord ? [count] : []),
      "RecordRegistry: _records[patient][id].contentHash",
      "RecordRegistry: _records[patient][id] (category, author, createdAt, supersededBy)",
    ],
    changedSlots: firstRecord ? [] : [count],
    coldReads: byGrantee ? [PROVIDER_ACTIVE, PATIENT_STATE, CONSENT] : [],
    coldAccounts: byGrantee ? ["ConsentRegistry: coversActions(patient, author, category, APPEND)", PROVIDER_CALL] : [],
    logs: [LOG.recordAdded(uriLength)],
  };
}

/**
 * Deploys MedConsent through the production Ignition module and measures every operation in a realistic order on
 * one chain: registrations, grants, checks, revocations, a relayed signed grant, records, break-glass, delegates.
 */
export async function measureOperations(): Promise<Measurement[]> {
  const {
    providerRegistry,
    consentRegistry,
    recordRegistry,
    registrar,
    patient,
    clinic,
    lab,
    hospital,
    delegate,
    relayer,
    other,
  } = await deployFixture();
  const names: ContractNames = new Map([
    [await providerRegistry.getAddress(), "ProviderRegistry"],
    [await consentRegistry.getAddress(), "ConsentRegistry"],
    [await recordRegistry.getAddress(), "RecordRegistry"],
  ]);
  const results: Measurement[] = [];
  const measure = async (spec: OperationSpec, tx: Promise<ContractTransactionResponse>) => {
    results.push(await measureTransaction(spec, names, tx));
  };

  const clinicName = "Northside Family Practice";
  const asRegistrar = providerRegistry.connect(registrar);
  await measure(
    {
      key: "registerProvider",
      label: "registerProvider (name of 25 bytes)",
      footprint: {
        ...NO_FOOTPRINT,
        newSlots: [
          "ProviderRegistry: _providers[provider] slot 0 (kind, status, emergencyCapable, registeredAt)",
          "ProviderRegistry: _providers[provider].credentialHash",
          "ProviderRegistry: _providers[provider].name (a name under 32 bytes fits its length slot)",
        ],
        coldReads: ["ProviderRegistry: _roles[REGISTRAR_ROLE].hasRole[registrar]"],
        logs: [LOG.providerRegistered(clinicName.length)],
      },
    },
    asRegistrar.registerProvider(clinic.address, ProviderKind.Organization, clinicName, CREDENTIAL),
  );
  await asRegistrar.registerProvider(lab.address, ProviderKind.Laboratory, "Riverside Laboratory", CREDENTIAL);
  await asRegistrar.registerProvider(hospital.address, ProviderKind.Organization, "St. Mary's Hospital", CREDENTIAL);
  await asRegistrar.setEmergencyCapable(hospital.address, true);

  const now = await latestTime();
  const asPatient = consentRegistry.connect(patient);
  const grantFootprint = (slot: "new" | "changed"): Footprint => ({
    ...NO_FOOTPRINT,
    newSlots: slot === "new" ? [CONSENT] : [],
    changedSlots: slot === "changed" ? [CONSENT] : [],
    coldReads: [PROVIDER_ACTIVE, PATIENT_STATE],
    coldAccounts: [PROVIDER_CALL],
    logs: [LOG.ConsentGranted],
  });
  await measure(
    { ...withGoal("grantNew"), footprint: grantFootprint("new") },
    asPatient.grantConsent(clinic.address, LAB_AND_MEDICATIONS, Action.Read, Purpose.Treatment, now + YEAR),
  );
  await measure(
    { ...withGoal("grantChanged"), footprint: grantFootprint("changed") },
    asPatient.grantConsent(
      clinic.address,
      LAB_AND_MEDICATIONS | categories(Category.Allergies),
      Action.Read,
      Purpose.Treatment | Purpose.Operations,
      now + 2 * YEAR,
    ),
  );

  const hasAccessData = consentRegistry.interface.encodeFunctionData("hasAccess", [
    patient.address,
    clinic.address,
    categories(Category.LabResults),
    Action.Read,
    Purpose.Treatment,
  ]);
  results.push(
    await measureCall(
      {
        ...withGoal("hasAccess"),
        footprint: {
          ...NO_FOOTPRINT,
          coldReads: [PROVIDER_ACTIVE, PATIENT_STATE, CONSENT],
          coldAccounts: [PROVIDER_CALL],
        },
      },
      names,
      { from: clinic.address, to: await consentRegistry.getAddress(), data: hasAccessData },
    ),
  );

  await measure(
    {
      ...withGoal("revoke"),
      footprint: { ...NO_FOOTPRINT, clearedSlots: [CONSENT], coldReads: [PATIENT_STATE], logs: [LOG.ConsentRevoked] },
    },
    asPatient.revokeConsent(clinic.address),
  );

  const revokeAllFootprint = (slot: "new" | "changed"): Footprint => ({
    ...NO_FOOTPRINT,
    newSlots: slot === "new" ? [PATIENT_STATE] : [],
    changedSlots: slot === "changed" ? [PATIENT_STATE] : [],
    logs: [LOG.AllConsentsRevoked],
  });
  await measure({ ...withGoal("revokeAllFirst"), footprint: revokeAllFootprint("new") }, asPatient.revokeAllConsents());
  await measure({ ...withGoal("revokeAll"), footprint: revokeAllFootprint("changed") }, asPatient.revokeAllConsents());

  // A patient who never paid gas signs; the gateway relays.
  const signedAt = await latestTime();
  const request = {
    patient: other.address,
    grantee: clinic.address,
    categories: LAB_AND_MEDICATIONS,
    actions: Action.Read,
    purposes: Purpose.Treatment,
    expiresAt: signedAt + YEAR,
    nonce: await consentRegistry.nonces(other.address),
    deadline: signedAt + HOUR,
  };
  const signature = await signGrant(other, await consentDomain(consentRegistry), request);
  await measure(
    {
      ...withGoal("grantBySig"),
      footprint: {
        ...grantFootprint("new"),
        // The nonce lives in the patient's state slot: created by the signed call, then read warm for the epoch.
        newSlots: [PATIENT_STATE, CONSENT],
        coldReads: [PROVIDER_ACTIVE],
        ecrecovers: 1,
      },
    },
    consentRegistry
      .connect(relayer)
      .grantConsentBySig(
        request.patient,
        request.grantee,
        request.categories,
        request.actions,
        request.purposes,
        request.expiresAt,
        request.deadline,
        signature,
      ),
  );

  const first = encryptedRecord("lab report, 2025-03-02");
  const later = encryptedRecord("medication list, 2025-03-09");
  const byLab = encryptedRecord("lab report, 2025-04-14");
  const byLabFirst = encryptedRecord("lab report, 2025-04-15");
  const asPatientRecords = recordRegistry.connect(patient);
  await measure(
    { ...withGoal("addRecordFirst"), footprint: recordFootprint(first.uri.length, true, false) },
    asPatientRecords.addRecord(patient.address, first.contentHash, Category.LabResults, first.uri),
  );
  await measure(
    { ...withGoal("addRecordLater"), footprint: recordFootprint(later.uri.length, false, false) },
    asPatientRecords.addRecord(patient.address, later.contentHash, Category.Medications, later.uri),
  );

  const appendLabResults = [categories(Category.LabResults), Action.Read | Action.Append, Purpose.Treatment] as const;
  await asPatient.grantConsent(lab.address, ...appendLabResults, (await latestTime()) + 90 * DAY);
  await measure(
    { ...withGoal("addRecordByLab"), footprint: recordFootprint(byLab.uri.length, false, true) },
    recordRegistry.connect(lab).addRecord(patient.address, byLab.contentHash, Category.LabResults, byLab.uri),
  );
  // For information: a lab writing a patient's very first record also creates the patient's record counter.
  await consentRegistry.connect(other).grantConsent(lab.address, ...appendLabResults, (await latestTime()) + 90 * DAY);
  await measure(
    {
      key: "addRecordByLabFirst",
      label: "addRecord by a lab, patient's first record",
      footprint: recordFootprint(byLabFirst.uri.length, true, true),
    },
    recordRegistry.connect(lab).addRecord(other.address, byLabFirst.contentHash, Category.LabResults, byLabFirst.uri),
  );

  await measure(
    {
      key: "breakGlass",
      label: "breakGlass",
      footprint: {
        ...NO_FOOTPRINT,
        newSlots: ["ConsentRegistry: _emergencyWindows[patient][provider] (until, emergencyEpoch)"],
        coldReads: ["ProviderRegistry: _providers[provider] slot 0 (status, emergencyCapable)", PATIENT_STATE],
        coldAccounts: ["ProviderRegistry: isEmergencyProvider(provider), external call"],
        logs: [LOG.EmergencyAccessUsed],
      },
    },
    consentRegistry.connect(hospital).breakGlass(patient.address, REASON_UNRESPONSIVE),
  );
  await measure(
    {
      key: "setDelegate",
      label: "setDelegate",
      footprint: {
        ...NO_FOOTPRINT,
        newSlots: ["ConsentRegistry: _delegates[patient][delegate] (allowed, epoch)"],
        coldReads: [PATIENT_STATE],
        logs: [LOG.DelegateSet],
      },
    },
    asPatient.setDelegate(delegate.address, true),
  );
  return results;
}

/**
 * Stock OpenZeppelin v5 operations measured on the same network, beside their usual reference numbers: a first
 * ERC-20 `approve`, an AccessControl `grantRole`, and an ERC-2612 `permit` relayed by a third party.
 */
export async function measureAnchors(): Promise<Measurement[]> {
  const [admin, owner, spender, member, signerOfPermit, relayer] = await ethers.getSigners();
  const token = await new GasAnchorToken__factory(admin).deploy();
  const roles = await new GasAnchorAccessControl__factory(admin).deploy(admin.address);
  const names: ContractNames = new Map([
    [await token.getAddress(), "GasAnchorToken"],
    [await roles.getAddress(), "GasAnchorAccessControl"],
  ]);
  const amount = ethers.parseUnits("1000", 18);
  const allowance = "GasAnchorToken: _allowances[owner][spender]";
  const results: Measurement[] = [];

  results.push(
    await measureTransaction(
      {
        key: "approve",
        label: "ERC-20 approve, first (OpenZeppelin)",
        reference: REFERENCES.approve,
        footprint: { ...NO_FOOTPRINT, newSlots: [allowance], logs: [LOG.Approval] },
      },
      names,
      token.connect(owner).approve(spender.address, amount),
    ),
  );
  results.push(
    await measureTransaction(
      {
        key: "grantRole",
        label: "AccessControl grantRole (OpenZeppelin)",
        reference: REFERENCES.grantRole,
        footprint: {
          ...NO_FOOTPRINT,
          newSlots: ["GasAnchorAccessControl: _roles[role].hasRole[account]"],
          coldReads: [
            "GasAnchorAccessControl: _roles[role].adminRole",
            "GasAnchorAccessControl: _roles[DEFAULT_ADMIN_ROLE].hasRole[sender]",
          ],
          logs: [LOG.RoleGranted],
        },
      },
      names,
      roles.grantRole(await roles.ANCHOR_ROLE(), member.address),
    ),
  );

  const deadline = (await latestTime()) + HOUR;
  const permit = await signPermit(signerOfPermit, token, spender.address, amount, deadline);
  results.push(
    await measureTransaction(
      {
        key: "permit",
        label: "ERC-2612 permit, first nonce (OpenZeppelin)",
        reference: REFERENCES.permit,
        footprint: {
          ...NO_FOOTPRINT,
          newSlots: ["GasAnchorToken: _nonces[owner]", allowance],
          logs: [LOG.Approval],
          ecrecovers: 1,
        },
      },
      names,
      token
        .connect(relayer)
        .permit(signerOfPermit.address, spender.address, amount, deadline, permit.v, permit.r, permit.s),
    ),
  );
  return results;
}

async function signPermit(
  owner: Signer,
  token: Awaited<ReturnType<GasAnchorToken__factory["deploy"]>>,
  spender: string,
  value: bigint,
  deadline: number,
) {
  const { chainId } = await ethers.provider.getNetwork();
  const ownerAddress = await owner.getAddress();
  const signature = await owner.signTypedData(
    { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() },
    {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    { owner: ownerAddress, spender, value, nonce: await token.nonces(ownerAddress), deadline },
  );
  return ethers.Signature.from(signature);
}

// ---- Formatting ----

function pad(cells: string[], widths: number[], rightAligned: boolean[]): string {
  return cells.map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
}

function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [pad(header, widths, rightAligned), rule, ...rows.map((row) => pad(row, widths, rightAligned))].join("\n");
}

export function verdict(m: Measurement): string {
  if (m.goal === undefined) return "info";
  return m.gas <= m.goal ? "PASS" : "MISS";
}

export function formatOperations(measurements: Measurement[]): string {
  return table(
    ["operation", "gas", "minimum", "ratio", "goal", "result"],
    measurements.map((m) => [
      m.label,
      n(m.gas),
      n(m.minimum),
      (m.gas / m.minimum).toFixed(2),
      m.goal === undefined ? "-" : `≤ ${n(m.goal)}`,
      verdict(m),
    ]),
    [false, true, true, true, true, false],
  );
}

export function formatAnchors(measurements: Measurement[]): string {
  return table(
    ["anchor", "gas", "reference", "minimum", "ratio"],
    [
      ...measurements.map((m) => [
        m.label,
        n(m.gas),
        m.reference === undefined ? "-" : n(m.reference),
        n(m.minimum),
        (m.gas / m.minimum).toFixed(2),
      ]),
      ["EAS attest (reference only, not measured)", "-", `~${n(REFERENCES.easAttest)}`, "-", "-"],
    ],
    [false, true, true, true, true],
  );
}

/** One operation's footprint and the arithmetic of its minimum. */
export function formatArithmetic(m: Measurement): string {
  const f = m.footprint;
  const lines = [`${m.label}: ${n(m.gas)} measured (${m.source}), minimum ${n(m.minimum)}`];
  const list = (title: string, entries: string[]) => {
    for (const entry of entries) lines.push(`  ${title.padEnd(13)} ${entry}`);
  };
  list("new slot", f.newSlots);
  list("changed slot", f.changedSlots);
  list("cleared slot", f.clearedSlots);
  list("cold read", f.coldReads);
  list("cold account", f.coldAccounts);
  list(
    "log",
    f.logs.map((log) => `${log.event}: ${log.topics} topics, ${log.dataBytes} data bytes`),
  );
  if (f.ecrecovers > 0) lines.push(`  ${"ecrecover".padEnd(13)} ${f.ecrecovers}`);
  if (f.p256Verifications) lines.push(`  ${"P256VERIFY".padEnd(13)} ${f.p256Verifications}`);
  lines.push(`  calldata      ${m.calldata.bytes} bytes (${m.calldata.nonZero} non-zero, ${m.calldata.zero} zero)`);
  lines.push(`  = ${formatTerms(m.terms, m.minimum)}`);
  for (const mismatch of m.mismatches) lines.push(`  MODEL MISMATCH ${mismatch}`);
  return lines.join("\n");
}
