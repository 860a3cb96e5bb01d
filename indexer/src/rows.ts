// The indexer's state changes as pure functions: an event's arguments (and the rows it touches) in, the new row out.
// No database and no Ponder here, so every event's effect is unit-tested on its own (test/indexer/rows.test.ts).
import type { Address, Hex } from "viem";

/** Where an event sits in the chain. */
export interface EventPosition {
  blockNumber: bigint;
  logIndex: number;
  timestamp: number;
  transactionHash: Hex;
}

export interface ChainEventRow extends EventPosition {
  id: string;
  contract: string;
  name: string;
  patient: Address | null;
  party: Address | null;
  args: Record<string, unknown>;
}

export interface PatientRow {
  address: Address;
  epoch: number;
  emergencyAccessAllowed: boolean;
  emergencyEpoch: number;
}

export interface ConsentRow {
  patient: Address;
  grantee: Address;
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
  grantedAt: number;
  grantedInBlock: bigint;
  firstGrantId: string;
  epoch: number;
  revoked: boolean;
}

export interface ProviderRow {
  address: Address;
  kind: number;
  name: string;
  credentialHash: Hex;
  active: boolean;
  emergencyCapable: boolean;
  registeredAt: number;
  registrar: Address;
}

export interface DelegateRow {
  patient: Address;
  delegate: Address;
  allowed: boolean;
  epoch: number;
  setAt: number;
}

export interface EmergencyAccessRow {
  id: string;
  patient: Address;
  grantee: Address;
  reasonHash: Hex;
  openedAt: number;
  expiresAt: number;
  emergencyEpoch: number;
}

export interface RecordRow {
  patient: Address;
  recordId: bigint;
  contentHash: Hex;
  category: number;
  author: Address;
  createdAt: number;
  supersededBy: bigint;
  uri: string;
}

/** The indexed addresses of each event: the patient it concerns, and the other party. */
const PARTIES: Record<string, { patient?: string; party?: string }> = {
  ConsentGranted: { patient: "patient", party: "grantee" },
  ConsentRevoked: { patient: "patient", party: "grantee" },
  AllConsentsRevoked: { patient: "patient" },
  DelegateSet: { patient: "patient", party: "delegate" },
  EmergencyAccessSet: { patient: "patient" },
  EmergencyAccessUsed: { patient: "patient", party: "grantee" },
  NonceUsed: { patient: "patient" },
  RecordAdded: { patient: "patient", party: "author" },
  RecordSuperseded: { patient: "patient" },
  ProviderRegistered: { party: "provider" },
  ProviderSuspended: { party: "provider" },
  ProviderReinstated: { party: "provider" },
  EmergencyCapabilitySet: { party: "provider" },
  EncryptionKeySet: { party: "account" },
  DisclosuresAnchored: { party: "gateway" },
};

/** `${blockNumber}:${logIndex}`, zero-padded so text order is chain order. */
export const eventId = (position: Pick<EventPosition, "blockNumber" | "logIndex">) =>
  `${position.blockNumber.toString().padStart(20, "0")}:${String(position.logIndex).padStart(6, "0")}`;

/** Arguments as JSON: bigints become decimal strings (the client library turns them back by the ABI). */
export function jsonArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([key, value]) => [key, typeof value === "bigint" ? value.toString() : value]),
  );
}

export function chainEventRow(
  contract: string,
  name: string,
  args: Record<string, unknown>,
  position: EventPosition,
): ChainEventRow {
  const parties = PARTIES[name] ?? {};
  const address = (key?: string) => (key === undefined ? null : ((args[key] as Address | undefined) ?? null));
  return {
    id: eventId(position),
    ...position,
    contract,
    name,
    patient: address(parties.patient),
    party: address(parties.party),
    args: jsonArgs(args),
  };
}

/** A patient never seen before: epoch 0, emergency access on (the contract's defaults). */
export const newPatient = (address: Address): PatientRow => ({
  address,
  epoch: 0,
  emergencyAccessAllowed: true,
  emergencyEpoch: 0,
});

/** AllConsentsRevoked carries the new epoch: every consent and delegate from an older one is over. */
export const revokedAll = (patient: PatientRow, epoch: number): PatientRow => ({ ...patient, epoch });

/** EmergencyAccessSet: turning it off also ends every open window (a new emergency epoch). */
export const emergencySet = (patient: PatientRow, allowed: boolean): PatientRow => ({
  ...patient,
  emergencyAccessAllowed: allowed,
  emergencyEpoch: allowed ? patient.emergencyEpoch : patient.emergencyEpoch + 1,
});

/**
 * ConsentGranted creates or replaces the pair's consent, stamped with the patient's current epoch; a replacement keeps
 * the position of the pair's first grant, by which lists are ordered.
 */
export function grantedConsent(
  args: {
    patient: Address;
    grantee: Address;
    categories: bigint;
    actions: number;
    purposes: number;
    expiresAt: number;
  },
  patient: PatientRow,
  position: EventPosition,
  previous?: ConsentRow,
): ConsentRow {
  return {
    patient: args.patient,
    grantee: args.grantee,
    categories: args.categories,
    actions: args.actions,
    purposes: args.purposes,
    expiresAt: args.expiresAt,
    grantedAt: position.timestamp,
    grantedInBlock: position.blockNumber,
    firstGrantId: previous?.firstGrantId ?? eventId(position),
    epoch: patient.epoch,
    revoked: false,
  };
}

/** ConsentRevoked: the terms of the last grant stay, for the history ("revoked: may read … until …"). */
export const revokedConsent = (consent: ConsentRow): ConsentRow => ({ ...consent, revoked: true });

export const delegateSet = (
  args: { patient: Address; delegate: Address; allowed: boolean },
  patient: PatientRow,
  position: EventPosition,
): DelegateRow => ({ ...args, epoch: patient.epoch, setAt: position.timestamp });

/** A delegate acts only while allowed and named in the patient's current epoch. */
export const isDelegateActive = (row: DelegateRow, patient: PatientRow) => row.allowed && row.epoch === patient.epoch;

export const emergencyAccessOpened = (
  args: { patient: Address; grantee: Address; reasonHash: Hex; expiresAt: number },
  patient: PatientRow,
  position: EventPosition,
): EmergencyAccessRow => ({
  id: eventId(position),
  ...args,
  openedAt: position.timestamp,
  emergencyEpoch: patient.emergencyEpoch,
});

/** Open at chain time `now`: within its window, and not ended by the patient turning emergency access off. */
export const isEmergencyWindowOpen = (row: EmergencyAccessRow, patient: PatientRow, now: number) =>
  patient.emergencyAccessAllowed && row.emergencyEpoch === patient.emergencyEpoch && now < row.expiresAt;

export const providerRegistered = (
  args: { provider: Address; kind: number; name: string; credentialHash: Hex; registrar: Address },
  position: EventPosition,
): ProviderRow => ({
  address: args.provider,
  kind: args.kind,
  name: args.name,
  credentialHash: args.credentialHash,
  active: true,
  emergencyCapable: false,
  registeredAt: position.timestamp,
  registrar: args.registrar,
});

export const recordAdded = (
  args: { patient: Address; recordId: bigint; author: Address; category: number; contentHash: Hex; uri: string },
  position: EventPosition,
): RecordRow => ({ ...args, createdAt: position.timestamp, supersededBy: 0n });
