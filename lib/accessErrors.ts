// The contracts' custom errors in plain words, for the CLI, the client library and the portal.
import { describeCategories, describeActions, describePurposes } from "./consentCodes";

type Args = readonly unknown[];

const short = (address: unknown) => String(address);
const date = (seconds: unknown) => new Date(Number(seconds) * 1000).toUTCString();

const MESSAGES: Record<string, (args: Args) => string> = {
  // checkAccess reasons
  AccessInvalidArgument: () =>
    "The request is invalid: categories must be defined ones, and the action and purpose a single value each.",
  AccessProviderInactive: ([grantee]) =>
    `${short(grantee)} is not an active registered provider (never registered, or suspended).`,
  AccessNoConsent: () =>
    "The patient has not given this provider consent (never granted, revoked, or ended by revoke-all).",
  AccessExpired: ([, , expiredAt]) => `The patient's consent expired on ${date(expiredAt)}.`,
  AccessCategoryNotGranted: ([missing]) =>
    `The consent does not cover ${describeCategories(BigInt(missing as bigint))}.`,
  AccessActionNotGranted: ([action]) =>
    `The consent does not allow this provider to ${describeActions(Number(action))}.`,
  AccessPurposeNotGranted: ([purpose]) =>
    `The consent does not cover the purpose ${describePurposes(Number(purpose))}.`,
  // consent changes
  ConsentInvalidGrantee: () => "Choose a provider: the zero address cannot receive consent.",
  ConsentSelfGrant: () => "You cannot grant consent to yourself.",
  ConsentGranteeNotActive: ([grantee]) => `${short(grantee)} is not an active registered provider.`,
  ConsentNoCategories: () => "Choose at least one category of data.",
  ConsentUndefinedCategories: () => "Some of the chosen categories do not exist.",
  ConsentInvalidActions: () => "Choose read, add records, or both.",
  ConsentInvalidPurposes: () => "Choose at least one valid purpose.",
  ConsentInvalidExpiry: ([, max]) =>
    `The end date must be in the future and no later than ${date(max)} (10 years from now).`,
  ConsentNotLive: () => "There is no active consent to revoke (never given, already revoked, or expired).",
  ConsentUnauthorizedDelegate: () =>
    "You are not a delegate of this patient (or no longer: revoking everything removes all of a patient's delegates).",
  ConsentInvalidDelegate: () => "A delegate must be another account, not the zero address or yourself.",
  ConsentInvalidPatient: () => "The patient address is not valid here.",
  ConsentExpiredSignature: () => "The signature's deadline has passed: sign again.",
  ConsentSignatureDeadlineTooFar: ([, maxDeadline]) =>
    `A signature may be used at most one hour before its deadline: this one's is later than ${date(maxDeadline)}. ` +
    "Sign again with a deadline within the hour (check that your computer's clock is right).",
  ConsentInvalidSignature: () =>
    "The signature does not match this request (wrong account, cancelled, already used, or made before a " +
    "revoke-all): sign again.",
  ConsentNotEmergencyProvider: () => "Only an active provider flagged for emergency access can break the glass.",
  ConsentEmergencyAccessDisabled: () => "The patient has turned emergency access off.",
  ConsentInvalidReason: () => "Choose a reason code for the emergency access.",
  ConsentEmergencyAccessAlreadyOpen: ([, , until]) =>
    `Your emergency access to this patient is still open until ${date(until)}: it cannot be renewed before it ends.`,
  // providers
  ProviderInvalidAddress: () => "The provider address cannot be the zero address.",
  ProviderAlreadyRegistered: ([p]) => `${short(p)} is already registered.`,
  ProviderNotRegistered: ([p]) => `${short(p)} is not a registered provider.`,
  ProviderNotActive: ([p]) => `${short(p)} is not active, so it cannot be suspended.`,
  ProviderNotSuspended: ([p]) => `${short(p)} is not suspended, so it cannot be reinstated.`,
  ProviderInvalidKind: () => "Choose a kind: clinician, organization, laboratory, researcher or payer.",
  ProviderInvalidName: () => "The provider's public name must be 1 to 64 bytes.",
  ProviderInvalidCredentialHash: () => "The credential hash cannot be zero.",
  AccessControlUnauthorizedAccount: ([account]) => `${short(account)} does not hold the role this action needs.`,
  SafeCastOverflowedUintDowncast: ([bits, value]) =>
    `The value ${String(value)} is too large for the ${String(bits)}-bit field the contract keeps it in.`,
  AccessControlBadConfirmation: () => "An account can only renounce its own role.",
  AccessControlEnforcedDefaultAdminDelay: ([schedule]) =>
    `The new admin can accept the role only after ${date(schedule)}.`,
  AccessControlEnforcedDefaultAdminRules: () =>
    "The admin role changes hands only in two steps: begin the transfer, then the new admin accepts it.",
  AccessControlInvalidDefaultAdmin: ([account]) => `${short(account)} is not the pending admin.`,
  // records
  RecordUnauthorizedAuthor: () => "You may not add records in this category for this patient (no consent to add).",
  RecordUnauthorizedSupersede: () => "Only the patient or the record's author may amend it.",
  RecordInvalidContentHash: () => "The record's content hash cannot be zero.",
  RecordInvalidCategory: () => "The record's category does not exist.",
  RecordInvalidUri: () => "The record's address (URI) must be 1 to 256 bytes.",
  RecordNotFound: ([, id]) => `There is no record ${String(id)} for this patient.`,
  RecordAlreadySuperseded: ([, , by]) => `This record was already amended by record ${String(by)}: amend that one.`,
  KeyDirectoryInvalidKey: () => "An encryption key cannot be zero: unlock your key in the portal and publish it again.",
  DisclosureLogEmptyRoot: () => "A disclosure batch's Merkle root cannot be zero.",
  DisclosureLogInvalidRange: ([from, to]) =>
    `A disclosure batch cannot end (${String(to)}) before it starts (${String(from)}).`,
  DisclosureLogOutOfOrder: ([expected, from]) =>
    `Disclosure batches are anchored in order: the next one must start at ${String(expected)}, not ${String(from)}.`,
  DisclosureLogRootAlreadyAnchored: () => "This disclosure batch's root is already anchored.",
  DisclosureLogBatchTooLarge: ([from, to, max]) =>
    `A disclosure batch may cover at most ${String(max)} entries: ${String(from)} to ${String(to)} is more. ` +
    "Anchor it in smaller batches.",
  DisclosureLogSequenceExhausted: ([to]) =>
    `A disclosure batch cannot end at ${String(to)}, the last sequence number there is: no batch could follow it.`,
  // passkey accounts (PatientAccount, PatientAccountFactory) and the OpenZeppelin parts they are built from
  PatientAccountExpiredSignature: () => "The passkey signature's deadline has passed: confirm with your passkey again.",
  PatientAccountInvalidSignature: () =>
    "The passkey signature does not match this request (another passkey, another account or chain, a removed " +
    "passkey, or changed calls): confirm with your passkey again.",
  PatientAccountInvalidPasskey: () =>
    "This is not a valid passkey public key (not a point on the P-256 curve): register the passkey again.",
  PatientAccountUnauthorizedRecovery: ([caller]) =>
    `${short(caller)} is not this account's recovery delegate (none is named, or its one recovery was already used).`,
  PatientAccountRecoveryPending: ([readyAt]) =>
    `A recovery of this account is already waiting (it can finish on ${date(readyAt)}): only one at a time.`,
  PatientAccountNoPendingRecovery: () =>
    "No recovery of this account is waiting: there is nothing to finish or cancel (cancelled, or already finished).",
  PatientAccountRecoveryNotReady: ([readyAt]) =>
    `The recovery is still in its waiting period, in which the patient can cancel it: it can finish on ${date(readyAt)}.`,
  AccountUnauthorized: ([sender]) =>
    `${short(sender)} may not do this: only the account itself, through a request signed with one of its passkeys.`,
  InvalidAccountNonce: ([, currentNonce]) =>
    `This signed request was already used or is out of order: the account expects request number ${String(currentNonce)}. Sign again.`,
  MultiSignerERC7913AlreadyExists: () => "This passkey already belongs to the account.",
  MultiSignerERC7913NonexistentSigner: () => "This passkey does not belong to the account (already removed?).",
  MultiSignerERC7913UnreachableThreshold: () =>
    "The account's last passkey cannot be removed: add another device's passkey first.",
  MultiSignerERC7913InvalidSigner: () => "This is not a valid signer for the account.",
  MultiSignerERC7913ZeroThreshold: () => "An account needs at least one passkey to sign.",
  InvalidInitialization: () => "This account is already set up (or is the shared implementation, which never is).",
  NotInitializing: () => "The account can only be set up while it is being created.",
  UnsupportedExecutionMode: () => "The account runs calls only as one plain batch (ERC-7821 batch mode).",
  ERC7579DecodingError: () => "The batch of calls is not encoded correctly (ERC-7821 batch of target, value, data).",
  ERC7579UnsupportedExecType: () => "The account does not support this kind of execution.",
  FailedCall: () => "A call in the batch failed without saying why.",
  FailedDeployment: () => "The account could not be deployed.",
  InsufficientBalance: ([balance, needed]) =>
    `Not enough ether for this: ${String(balance)} wei available, ${String(needed)} needed.`,
  InvalidShortString: () => "The account's name in its signature domain is invalid.",
  StringTooLong: () => "The account's name in its signature domain is too long.",
  OutOfRangeAccess: () => "The request asked for a passkey that does not exist in the account's list.",
};

/** A decoded custom error in plain words; falls back to its name for errors this table does not know. */
export function explainError(errorName: string, args: Args = []): string {
  const message = MESSAGES[errorName];
  return message ? message(args) : `The contract refused the request (${errorName}).`;
}
