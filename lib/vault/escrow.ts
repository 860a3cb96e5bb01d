// The emergency escrow: a copy of a routine record's key wrapped (the usual wrapRecordKey) for the gateway operator's
// escrow key, so a break-glass read can be answered while the patient cannot act. Which categories may have one, how
// the portal checks the escrow key the gateway announces against the chain, and the gateway's in-memory re-wrap.
import { ROUTINE_CATEGORIES } from "@/lib/consentCodes";
import { publicKeyFromHex } from "./encryptionKey";
import { VaultError } from "./errors";
import { unwrapRecordKey, wrapRecordKey } from "./keyWrap";

/**
 * Whether a record of this category may have an escrow copy: the routine categories (bits 0-12) only. The chain never
 * opens a sensitive category to break-glass, so an escrow copy of one would be a key no emergency could ever need.
 */
export function isEscrowCategory(category: number): boolean {
  return (
    Number.isInteger(category) &&
    category >= 0 &&
    category < 64 &&
    ((ROUTINE_CATEGORIES >> BigInt(category)) & 1n) === 1n
  );
}

/** The escrow recipient as the gateway announces it (GET /api/emergency/escrow). */
export interface EscrowRecipient {
  address: string;
  publicKey: string;
}

/**
 * The escrow public key to wrap for, only when the key the gateway announces is the one its address published on the
 * KeyDirectory (`published`, null when none): a gateway cannot swap in a key the chain does not show.
 */
export function checkedEscrowKey(announced: EscrowRecipient, published: string | null): Uint8Array {
  if (published === null) {
    throw new VaultError(
      "The gateway's emergency key is not published on the chain yet, so no copy was made for emergencies.",
    );
  }
  if (published.toLowerCase() !== announced.publicKey.toLowerCase()) {
    throw new VaultError(
      "The gateway announced an emergency key that is not the one published on the chain for its address: " +
        "no copy was made. Tell the network operator.",
    );
  }
  return publicKeyFromHex(published);
}

/**
 * The gateway's emergency re-wrap, in memory: opens the escrow copy with the escrow secret key and wraps the record key
 * for the reader's published key. Both are bound to the record's content hash, so a copy only ever opens its record.
 */
export function rewrapEscrowCopy(
  escrowCopy: Uint8Array,
  escrowSecretKey: Uint8Array,
  contentHash: string,
  readerPublicKey: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const recordKey = unwrapRecordKey(escrowCopy, escrowSecretKey, contentHash);
  try {
    return wrapRecordKey(recordKey, readerPublicKey, contentHash);
  } finally {
    recordKey.fill(0);
  }
}
