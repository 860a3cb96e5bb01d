// A pure TypeScript model of the consent ledger's rules in ARCHITECTURE.md, for the stateful property test.
// It knows nothing of the contracts: every operation returns the custom error it must revert with (or null) and,
// when it succeeds, updates the model the way the ledger must change.

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
export const ROUTINE_CATEGORIES = 0x1fffn;
export const SENSITIVE_CATEGORIES = 0x1fn << 32n;
export const ALL_CATEGORIES = ROUTINE_CATEGORIES | SENSITIVE_CATEGORIES;
export const ALL_ACTIONS = 3;
export const ALL_PURPOSES = 63;
export const READ = 1;
export const APPEND = 2;
export const EMERGENCY = 32;
export const EMERGENCY_WINDOW = 24 * 3600;
export const MAX_CONSENT_DURATION = 10 * 365 * 24 * 3600;
export const MAX_SIGNATURE_LIFETIME = 3600;

/** The reasons `checkAccess` reports, in the order it checks them. */
export const ACCESS_DENIALS = [
  "AccessInvalidArgument",
  "AccessProviderInactive",
  "AccessNoConsent",
  "AccessExpired",
  "AccessCategoryNotGranted",
  "AccessActionNotGranted",
  "AccessPurposeNotGranted",
] as const;
export type AccessDenial = (typeof ACCESS_DENIALS)[number];

/** A custom error by name, with its arguments (addresses as strings, integers as bigint). */
export interface ModelError<Name extends string = string> {
  name: Name;
  args: (string | bigint)[];
}

export interface ModelConsent {
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
  epoch: number;
}

export interface ConsentTerms {
  categories: bigint;
  actions: number;
  purposes: number;
  expiresAt: number;
}

interface PatientState {
  epoch: number;
  nonce: bigint;
  emergencyAllowed: boolean;
  delegates: Set<string>;
  /** Delegates that revoke-all removed and the patient has not named again (for the test's statistics). */
  removedByRevokeAll: Set<string>;
  consents: Map<string, ModelConsent>;
  /** Open or past emergency windows by grantee; turning emergency access off ends (drops) them all. */
  emergencyUntil: Map<string, number>;
}

interface ProviderState {
  active: boolean;
  emergencyCapable: boolean;
}

function error<Name extends string>(name: Name, ...args: (string | number | bigint)[]): ModelError<Name> {
  return { name, args: args.map((arg) => (typeof arg === "number" ? BigInt(arg) : arg)) };
}

function isSingleBit(value: number): boolean {
  return value !== 0 && (value & (value - 1)) === 0;
}

export class ConsentModel {
  /** Timestamp of the latest block: what views see, and (plus one) what the next transaction sees. */
  now: number;
  private readonly patients = new Map<string, PatientState>();
  private readonly providers = new Map<string, ProviderState>();

  constructor(now: number, providers: { address: string; emergencyCapable: boolean }[]) {
    this.now = now;
    for (const { address, emergencyCapable } of providers) {
      this.providers.set(address, { active: true, emergencyCapable });
    }
  }

  /** Moves the clock to the timestamp of a new block. */
  advanceTo(timestamp: number): void {
    if (timestamp < this.now) throw new Error(`model clock cannot go back from ${this.now} to ${timestamp}`);
    this.now = timestamp;
  }

  private patient(address: string): PatientState {
    let state = this.patients.get(address);
    if (state === undefined) {
      state = {
        epoch: 0,
        nonce: 0n,
        emergencyAllowed: true,
        delegates: new Set(),
        removedByRevokeAll: new Set(),
        consents: new Map(),
        emergencyUntil: new Map(),
      };
      this.patients.set(address, state);
    }
    return state;
  }

  // ---- Reads ----

  isActiveProvider(address: string): boolean {
    return this.providers.get(address)?.active ?? false;
  }

  isEmergencyProvider(address: string): boolean {
    const provider = this.providers.get(address);
    return provider !== undefined && provider.active && provider.emergencyCapable;
  }

  isDelegate(patient: string, delegate: string): boolean {
    return this.patient(patient).delegates.has(delegate);
  }

  /** Whether `delegate` was the patient's delegate until a revoke-all removed it (and was not named again since). */
  wasRemovedByRevokeAll(patient: string, delegate: string): boolean {
    return this.patient(patient).removedByRevokeAll.has(delegate);
  }

  epochOf(patient: string): number {
    return this.patient(patient).epoch;
  }

  nonceOf(patient: string): bigint {
    return this.patient(patient).nonce;
  }

  emergencyAccessAllowed(patient: string): boolean {
    return this.patient(patient).emergencyAllowed;
  }

  /** End of the grantee's emergency window (may be past), 0 if none or ended by the patient. */
  emergencyAccessUntil(patient: string, grantee: string): number {
    return this.patient(patient).emergencyUntil.get(grantee) ?? 0;
  }

  /** The consent in the patient's current epoch, expired or not; undefined if never granted, revoked or voided. */
  currentConsent(patient: string, grantee: string): ModelConsent | undefined {
    const state = this.patient(patient);
    const consent = state.consents.get(grantee);
    return consent !== undefined && consent.epoch === state.epoch ? consent : undefined;
  }

  isLive(patient: string, grantee: string): boolean {
    const consent = this.currentConsent(patient, grantee);
    return consent !== undefined && this.now < consent.expiresAt;
  }

  /** Every moment ahead at which some access changes on its own: consent expiries and emergency window ends. */
  upcomingBoundaries(): number[] {
    const boundaries = new Set<number>();
    for (const [patient, state] of this.patients) {
      for (const grantee of state.consents.keys()) {
        const consent = this.currentConsent(patient, grantee);
        if (consent !== undefined && consent.expiresAt > this.now) boundaries.add(consent.expiresAt);
      }
      for (const until of state.emergencyUntil.values()) if (until > this.now) boundaries.add(until);
    }
    return [...boundaries].sort((a, b) => a - b);
  }

  /**
   * The access rule: the first reason `checkAccess` must revert with, or null when `hasAccess` is true.
   * Access needs an active provider and either a live consent in the current epoch covering every requested
   * category, the action and the purpose, or an open emergency window for a READ of routine data for EMERGENCY.
   */
  accessDenial(
    patient: string,
    grantee: string,
    categories: bigint,
    action: number,
    purpose: number,
  ): ModelError<AccessDenial> | null {
    const validRequest =
      categories !== 0n &&
      (categories & ~ALL_CATEGORIES) === 0n &&
      (action === READ || action === APPEND) &&
      isSingleBit(purpose) &&
      (purpose & ~ALL_PURPOSES) === 0;
    if (!validRequest) return error("AccessInvalidArgument", categories, action, purpose);
    if (!this.isActiveProvider(grantee)) return error("AccessProviderInactive", grantee);

    const consentDenial = this.consentDenial(patient, grantee, categories, action, purpose);
    if (consentDenial === null || this.emergencyCovers(patient, grantee, categories, action, purpose)) return null;
    return consentDenial;
  }

  /** Why the consent alone (no emergency window) refuses a valid request to an active provider; null if it covers. */
  consentDenial(
    patient: string,
    grantee: string,
    categories: bigint,
    action: number,
    purpose: number,
  ): ModelError<AccessDenial> | null {
    const consent = this.currentConsent(patient, grantee);
    if (consent === undefined) return error("AccessNoConsent", patient, grantee);
    if (this.now >= consent.expiresAt) return error("AccessExpired", patient, grantee, consent.expiresAt);
    const missing = categories & ~consent.categories;
    if (missing !== 0n) return error("AccessCategoryNotGranted", missing);
    if ((action & consent.actions) === 0) return error("AccessActionNotGranted", action);
    if ((purpose & consent.purposes) === 0) return error("AccessPurposeNotGranted", purpose);
    return null;
  }

  /** Whether an open emergency window covers the request on its own. */
  emergencyCovers(patient: string, grantee: string, categories: bigint, action: number, purpose: number): boolean {
    if (action !== READ || purpose !== EMERGENCY || (categories & SENSITIVE_CATEGORIES) !== 0n) return false;
    const state = this.patient(patient);
    return state.emergencyAllowed && this.now < (state.emergencyUntil.get(grantee) ?? 0);
  }

  // ---- Consent changes (each at `now`, the timestamp of the block the transaction lands in) ----

  /** A grant by the patient (`by` the patient, a delegate, or the patient's signature). */
  grant(patient: string, grantee: string, terms: ConsentTerms): ModelError | null {
    const { categories, actions, purposes, expiresAt } = terms;
    if (grantee === ZERO_ADDRESS) return error("ConsentInvalidGrantee", grantee);
    if (grantee === patient) return error("ConsentSelfGrant", patient);
    if (categories === 0n) return error("ConsentNoCategories");
    if ((categories & ~ALL_CATEGORIES) !== 0n) return error("ConsentUndefinedCategories", categories);
    if (actions === 0 || (actions & ~ALL_ACTIONS) !== 0) return error("ConsentInvalidActions", actions);
    if (purposes === 0 || (purposes & ~ALL_PURPOSES) !== 0) return error("ConsentInvalidPurposes", purposes);
    const maxExpiresAt = this.now + MAX_CONSENT_DURATION;
    if (expiresAt <= this.now || expiresAt > maxExpiresAt)
      return error("ConsentInvalidExpiry", expiresAt, maxExpiresAt);
    if (!this.isActiveProvider(grantee)) return error("ConsentGranteeNotActive", grantee);

    const state = this.patient(patient);
    state.consents.set(grantee, { categories, actions, purposes, expiresAt, epoch: state.epoch });
    return null;
  }

  revoke(patient: string, grantee: string): ModelError | null {
    if (!this.isLive(patient, grantee)) return error("ConsentNotLive", patient, grantee);
    this.patient(patient).consents.delete(grantee);
    return null;
  }

  /** Revoke-all ends every consent, consumes the nonce (no signature made before it is usable) and removes delegates. */
  revokeAll(patient: string): ModelError | null {
    const state = this.patient(patient);
    state.epoch++;
    state.nonce++;
    for (const delegate of state.delegates) state.removedByRevokeAll.add(delegate);
    state.delegates.clear();
    return null;
  }

  /**
   * The signature checks of the signed paths: the deadline not passed and at most MAX_SIGNATURE_LIFETIME ahead, then
   * the signer and nonce; the nonce is spent only when the whole operation succeeds.
   */
  private signed(
    patient: string,
    deadline: number,
    signedBy: string,
    signedNonce: bigint,
    operation: () => ModelError | null,
  ): ModelError | null {
    const state = this.patient(patient);
    if (this.now > deadline) return error("ConsentExpiredSignature", deadline);
    const maxDeadline = this.now + MAX_SIGNATURE_LIFETIME;
    if (deadline > maxDeadline) return error("ConsentSignatureDeadlineTooFar", deadline, maxDeadline);
    if (signedBy !== patient || signedNonce !== state.nonce) return error("ConsentInvalidSignature", patient);
    const failure = operation();
    if (failure === null) state.nonce++;
    return failure;
  }

  grantBySig(
    patient: string,
    grantee: string,
    terms: ConsentTerms,
    deadline: number,
    signedBy: string,
    signedNonce: bigint,
  ): ModelError | null {
    return this.signed(patient, deadline, signedBy, signedNonce, () => this.grant(patient, grantee, terms));
  }

  revokeBySig(
    patient: string,
    grantee: string,
    deadline: number,
    signedBy: string,
    signedNonce: bigint,
  ): ModelError | null {
    return this.signed(patient, deadline, signedBy, signedNonce, () => this.revoke(patient, grantee));
  }

  setDelegate(patient: string, delegate: string, allowed: boolean): ModelError | null {
    if (delegate === ZERO_ADDRESS || delegate === patient) return error("ConsentInvalidDelegate", delegate);
    const { delegates, removedByRevokeAll } = this.patient(patient);
    removedByRevokeAll.delete(delegate);
    if (allowed) delegates.add(delegate);
    else delegates.delete(delegate);
    return null;
  }

  grantFor(caller: string, patient: string, grantee: string, terms: ConsentTerms): ModelError | null {
    if (!this.patient(patient).delegates.has(caller)) return error("ConsentUnauthorizedDelegate", patient, caller);
    return this.grant(patient, grantee, terms);
  }

  revokeFor(caller: string, patient: string, grantee: string): ModelError | null {
    if (!this.patient(patient).delegates.has(caller)) return error("ConsentUnauthorizedDelegate", patient, caller);
    return this.revoke(patient, grantee);
  }

  // ---- Emergency ----

  setEmergencyAccess(patient: string, allowed: boolean): ModelError | null {
    const state = this.patient(patient);
    state.emergencyAllowed = allowed;
    // Turning emergency access off ends every window already open, for good.
    if (!allowed) state.emergencyUntil.clear();
    return null;
  }

  breakGlass(caller: string, patient: string, reasonHash: string): ModelError | null {
    if (patient === ZERO_ADDRESS || patient === caller) return error("ConsentInvalidPatient", patient);
    if (/^0x0*$/.test(reasonHash)) return error("ConsentInvalidReason");
    if (!this.isEmergencyProvider(caller)) return error("ConsentNotEmergencyProvider", caller);
    const state = this.patient(patient);
    if (!state.emergencyAllowed) return error("ConsentEmergencyAccessDisabled", patient);
    // At most once per window: an open window is neither extended nor reopened.
    const open = state.emergencyUntil.get(caller) ?? 0;
    if (this.now < open) return error("ConsentEmergencyAccessAlreadyOpen", patient, caller, open);
    state.emergencyUntil.set(caller, this.now + EMERGENCY_WINDOW);
    return null;
  }

  // ---- Provider credentialing ----

  suspendProvider(provider: string): ModelError | null {
    const state = this.providers.get(provider);
    if (state === undefined || !state.active) return error("ProviderNotActive", provider);
    state.active = false;
    return null;
  }

  reinstateProvider(provider: string): ModelError | null {
    const state = this.providers.get(provider);
    if (state === undefined || state.active) return error("ProviderNotSuspended", provider);
    state.active = true;
    return null;
  }
}
