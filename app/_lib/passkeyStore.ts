// The passkey accounts this browser knows: credential id, public key and account address, in localStorage (none of
// it is secret: the private key never leaves the authenticator). The last one used is the one the connector opens.
import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";

export const PASSKEYS_KEY = "medconsent:passkeys";

export interface StoredPasskey {
  credentialId: string;
  x: Hex;
  y: Hex;
  account: Address;
  /** Whether the authenticator gives a PRF result (an encryption key); undefined until known. */
  prf?: boolean;
}

/** The stored list, newest last; malformed entries are dropped (a lost entry is found again through the gateway). */
export function parseStoredPasskeys(raw: string | null): StoredPasskey[] {
  if (raw === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((item: unknown): StoredPasskey[] => {
    if (typeof item !== "object" || item === null) return [];
    const { credentialId, x, y, account, prf } = item as Record<string, unknown>;
    if (typeof credentialId !== "string" || !/^[A-Za-z0-9_-]{16,1364}$/.test(credentialId)) return [];
    const coordinate = (v: unknown): v is Hex => typeof v === "string" && isHex(v) && v.length === 66;
    if (!coordinate(x) || !coordinate(y)) return [];
    if (typeof account !== "string" || !isAddress(account)) return [];
    return [{ credentialId, x, y, account: getAddress(account), ...(typeof prf === "boolean" ? { prf } : {}) }];
  });
}

/** The list with `passkey` as the newest (replacing an older entry of the same credential). */
export function withPasskey(list: readonly StoredPasskey[], passkey: StoredPasskey): StoredPasskey[] {
  return [...list.filter((p) => p.credentialId !== passkey.credentialId), passkey];
}

const storage = () => (typeof window === "undefined" ? undefined : window.localStorage);

export const storedPasskeys = () => parseStoredPasskeys(storage()?.getItem(PASSKEYS_KEY) ?? null);

// The parsed list, kept while the stored text is unchanged, so React's useSyncExternalStore sees a stable value.
let cached: { raw: string | null; current: StoredPasskey | undefined } | undefined;

/** The passkey the connector uses: the last one chosen in this browser. */
export function currentPasskey(): StoredPasskey | undefined {
  const raw = storage()?.getItem(PASSKEYS_KEY) ?? null;
  if (cached?.raw !== raw) cached = { raw, current: parseStoredPasskeys(raw).at(-1) };
  return cached.current;
}

const listeners = new Set<() => void>();
export const subscribeToPasskeys = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};

export function rememberPasskey(passkey: StoredPasskey): void {
  storage()?.setItem(PASSKEYS_KEY, JSON.stringify(withPasskey(storedPasskeys(), passkey)));
  listeners.forEach((listener) => listener());
}

/** The list without one credential. */
export function withoutPasskey(list: readonly StoredPasskey[], credentialId: string): StoredPasskey[] {
  return list.filter((p) => p.credentialId !== credentialId);
}

/** Drops a passkey the account no longer accepts (removed from it), so connecting never offers it again. */
export function forgetPasskey(credentialId: string): void {
  storage()?.setItem(PASSKEYS_KEY, JSON.stringify(withoutPasskey(storedPasskeys(), credentialId)));
  listeners.forEach((listener) => listener());
}
