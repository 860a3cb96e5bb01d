// Named bits of contracts/interfaces/ConsentCodes.sol for tests; the masks come from the shared lib/consentCodes.
export const Category = {
  Demographics: 0,
  Allergies: 1,
  Medications: 2,
  Conditions: 3,
  LabResults: 4,
  VitalSigns: 5,
  Imaging: 6,
  ClinicalNotes: 7,
  Immunizations: 8,
  Procedures: 9,
  Encounters: 10,
  CarePlans: 11,
  InsuranceBilling: 12,
  MentalHealth: 32,
  SubstanceUse: 33,
  SexualReproductiveHealth: 34,
  GeneticData: 35,
  InfectiousDisease: 36,
} as const;

export { ROUTINE_CATEGORIES, SENSITIVE_CATEGORIES, ALL_CATEGORIES } from "@/lib/consentCodes";

export const Action = { Read: 1, Append: 2 } as const;
export const ALL_ACTIONS = 3;

export const Purpose = {
  Treatment: 1,
  Payment: 2,
  Operations: 4,
  Research: 8,
  PublicHealth: 16,
  Emergency: 32,
} as const;
export const ALL_PURPOSES = 63;

export const ProviderKind = { Clinician: 0, Organization: 1, Laboratory: 2, Researcher: 3, Payer: 4 } as const;
export const ProviderStatus = { None: 0n, Active: 1n, Suspended: 2n } as const;

/** The mask of the given category bit indexes. */
export function categories(...bits: number[]): bigint {
  return bits.reduce((mask, bit) => mask | (1n << BigInt(bit)), 0n);
}

export const HOUR = 3600;
export const DAY = 24 * HOUR;
export const YEAR = 365 * DAY;
export const EMERGENCY_WINDOW = DAY;
export const MAX_CONSENT_DURATION = 10 * YEAR;
