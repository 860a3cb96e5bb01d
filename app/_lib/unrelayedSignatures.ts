// Gas-free signatures the portal made and could not see relayed, as pure logic: remembered until mined, and cancelled
// (useNonce) when the patient then revokes with a transaction while one could still be used. No React, no storage.
import { getAddress, isAddress, type Address } from "viem";

/** Where the portal keeps the list (localStorage): per browser, like the signatures the wallet made in it. */
export const UNRELAYED_SIGNATURES_KEY = "medconsent:unrelayed-signatures";

/** A signature the portal handed to the relay: usable on chain while `nonce` is current and `deadline` not passed. */
export interface UnrelayedSignature {
  patient: Address;
  nonce: bigint;
  /** Seconds since the epoch; the registry accepts the signature in blocks at or before it. */
  deadline: number;
}

const same = (a: UnrelayedSignature, b: UnrelayedSignature) =>
  a.patient.toLowerCase() === b.patient.toLowerCase() && a.nonce === b.nonce && a.deadline === b.deadline;

/** The list with `signature` added once (remembered before the relay is asked, so a closed tab still leaves it). */
export function rememberSignature(list: readonly UnrelayedSignature[], signature: UnrelayedSignature) {
  return [...list.filter((s) => !same(s, signature)), signature];
}

/** The list without `signature`: the relay's transaction was mined, which spent its nonce. */
export function forgetSignature(list: readonly UnrelayedSignature[], signature: UnrelayedSignature) {
  return list.filter((s) => !same(s, signature));
}

export interface CancellationPlan {
  /** The signature to cancel with `useNonce()` now, if one of the patient's could still be relayed. */
  cancel?: UnrelayedSignature;
  /** What is left worth remembering: signatures whose nonce is not yet spent and whose deadline has not passed. */
  keep: UnrelayedSignature[];
}

/**
 * What to do for `patient` after they revoked with a transaction, given the chain's current nonce for them and its
 * latest block time. A signature can still be relayed when it carries the current nonce and its deadline is after
 * `now` (the next block is later than the latest): cancel it. Signatures whose nonce was spent (relayed, cancelled,
 * or consumed by revoke-all) or whose deadline passed can never be used again: forget them.
 */
export function cancellationPlan(
  list: readonly UnrelayedSignature[],
  patient: Address,
  chain: { nonce: bigint; now: number },
): CancellationPlan {
  const isPatients = (s: UnrelayedSignature) => s.patient.toLowerCase() === patient.toLowerCase();
  const keep = list.filter((s) => s.deadline > chain.now && !(isPatients(s) && s.nonce < chain.nonce));
  const cancel = keep.find((s) => isPatients(s) && s.nonce === chain.nonce);
  return cancel === undefined ? { keep } : { cancel, keep };
}

/** The stored list; anything unreadable or malformed is dropped (a lost entry only skips a cancellation). */
export function parseUnrelayedSignatures(raw: string | null): UnrelayedSignature[] {
  if (raw === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [];
    const { patient, nonce, deadline } = item as Record<string, unknown>;
    if (typeof patient !== "string" || !isAddress(patient)) return [];
    if (typeof nonce !== "string" || !/^\d{1,78}$/.test(nonce)) return [];
    if (typeof deadline !== "number" || !Number.isSafeInteger(deadline) || deadline < 0) return [];
    return [{ patient: getAddress(patient), nonce: BigInt(nonce), deadline }];
  });
}

/** The list as stored: nonces as decimal strings, since JSON has no bigint. */
export function serializeUnrelayedSignatures(list: readonly UnrelayedSignature[]): string {
  return JSON.stringify(list.map((s) => ({ patient: s.patient, nonce: s.nonce.toString(), deadline: s.deadline })));
}
