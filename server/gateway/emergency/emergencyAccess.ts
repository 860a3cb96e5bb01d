// Emergency access that opens records. While a patient leaves emergency access on, their portal gives the gateway an
// escrow copy of each routine record key, wrapped for the operator's escrow key (its public half on the KeyDirectory
// under the gateway's address, its secret half from GATEWAY_ESCROW_KEY, never in the database). A provider whose
// break-glass window is open on chain gets the record key re-wrapped for its own published key, in memory, for that
// one request; the copy itself is never served. Turning emergency access off deletes every copy.
import "server-only";
import { zeroHash, type Address, type Hex } from "viem";
import { x25519 } from "@noble/curves/ed25519.js";
import { abis } from "@/lib/contracts/deployedContracts";
import { publicKeyFromHex, publicKeyToHex, unwrapRecordKey, VaultError } from "@/lib/vault";
import { isEscrowCategory, rewrapEscrowCopy } from "@/lib/vault/escrow";
import { failClosed, type RecordMeta } from "@/server/gateway/chain/chainReads";
import type { Gateway } from "@/server/gateway/context";
import type { NewDisclosure } from "@/server/gateway/storage/disclosures";
import { badRequest, forbidden, GatewayError, notFound } from "@/server/gateway/http/errors";
import { confirmationBlock } from "@/server/gateway/records/keySweep";
import {
  deleteEscrowKeys,
  escrowPatients,
  escrowRecordIds,
  findEscrowKey,
  logEscrowDisclosure,
  upsertEscrowKey,
} from "@/server/gateway/storage/escrowKeys";

interface Escrow {
  /** The gateway's account: the escrow's public key is published under this address. */
  address: Address;
  secretKey: Uint8Array;
  publicKeyHex: Hex;
}

const emergencyUnavailable = () =>
  new GatewayError(
    503,
    "emergency_unavailable",
    "This gateway has no emergency escrow key (GATEWAY_ESCROW_KEY is not set), so it cannot open records in an " +
      "emergency. Ask the network operator.",
  );

const escrowCopyMissing = () =>
  notFound(
    "escrow_key_not_found",
    "The patient has not prepared this record for emergencies (or has turned emergency access off), so it cannot be " +
      "opened without them.",
  );

/** The configured escrow key pair and its address; 503 emergency_unavailable when the gateway has none. */
function escrowOf(gateway: Gateway): Escrow {
  const { escrowSecretKey, anchorAccount } = gateway.config;
  if (escrowSecretKey === undefined || anchorAccount === undefined) throw emergencyUnavailable();
  return {
    address: anchorAccount.address,
    secretKey: escrowSecretKey,
    publicKeyHex: publicKeyToHex(x25519.getPublicKey(escrowSecretKey)),
  };
}

function emergencyAccessAllowed(gateway: Gateway, patient: Address, blockNumber?: bigint): Promise<boolean> {
  return failClosed("emergencyAccessAllowed", () =>
    gateway.consentClient.publicClient.readContract({
      address: gateway.config.addresses.consentRegistry,
      abi: abis.ConsentRegistry,
      functionName: "emergencyAccessAllowed",
      args: [patient],
      blockNumber,
    }),
  );
}

/** GET /api/emergency/escrow: whom the portal wraps escrow copies for (it checks the key against the chain). */
export function escrowRecipient(gateway: Gateway): { address: Address; publicKey: Hex } {
  const escrow = escrowOf(gateway);
  return { address: escrow.address, publicKey: escrow.publicKeyHex };
}

function requirePatient(caller: Address, patient: Address, what: string): void {
  if (caller !== patient) throw forbidden(`Only the patient can ${what}.`);
}

/**
 * PUT /api/emergency/escrow/{patient}/{recordId}: the patient's escrow copy of one routine record's key, accepted only
 * while their emergency access is on, and only when it opens (with the escrow key) for that record's content hash.
 */
export async function storeEscrowCopy(
  gateway: Gateway,
  request: { caller: Address; patient: Address; recordId: bigint; wrappedKey: Uint8Array },
): Promise<{ created: boolean }> {
  const escrow = escrowOf(gateway);
  const { caller, patient, recordId, wrappedKey } = request;
  requirePatient(caller, patient, "prepare their records for emergencies");
  const record = await gateway.chain.record(patient, recordId);
  if (record === undefined) throw notFound("record_not_found", `There is no record ${recordId} for this patient.`);
  if (!isEscrowCategory(record.category)) {
    throw forbidden(
      "Only routine records can be prepared for emergencies: break-glass never opens a sensitive category.",
      "sensitive_category",
    );
  }
  if (!(await emergencyAccessAllowed(gateway, patient))) {
    throw new GatewayError(
      409,
      "emergency_access_off",
      "Your emergency access is off on the chain, so the gateway keeps no emergency copies. Turn it on first.",
    );
  }
  try {
    unwrapRecordKey(wrappedKey, escrow.secretKey, record.contentHash).fill(0);
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    throw badRequest(
      "This copy does not open with the gateway's emergency key for this record: wrap the record key for the key " +
        "GET /api/emergency/escrow announces.",
    );
  }
  const created = await upsertEscrowKey(gateway.db, { patient, recordId, wrappedKey, category: record.category });
  return { created };
}

/** GET /api/emergency/escrow/{patient}: which of the patient's records have an escrow copy (never the copies). */
export async function listEscrowCopies(gateway: Gateway, caller: Address, patient: Address) {
  requirePatient(caller, patient, "see which of their records are prepared for emergencies");
  return { recordIds: await escrowRecordIds(gateway.db, patient) };
}

/** DELETE /api/emergency/escrow/{patient}: the patient withdraws every escrow copy (after turning emergency access off). */
export async function withdrawEscrowCopies(gateway: Gateway, caller: Address, patient: Address) {
  requirePatient(caller, patient, "delete their emergency copies");
  return { deleted: await deleteEscrowKeys(gateway.db, patient) };
}

/**
 * Deletes the patient's escrow copies when emergency access is off on chain, at the latest block and (like every key
 * deletion, keySweep.ts) GATEWAY_KEY_DELETION_CONFIRMATIONS blocks back, so a lagging node cannot delete them; how
 * many were deleted. Reads are refused by the chain meanwhile, so waiting costs nothing.
 */
export async function purgeEscrowIfEmergencyOff(gateway: Gateway, patient: Address): Promise<number> {
  const latest = await gateway.chain.blockNumber();
  if (await emergencyAccessAllowed(gateway, patient, latest)) return 0;
  const confirmed = confirmationBlock(gateway, latest);
  if (confirmed === undefined) return 0;
  if (confirmed !== latest && (await emergencyAccessAllowed(gateway, patient, confirmed))) return 0;
  return deleteEscrowKeys(gateway.db, patient);
}

/** The background sweep: every patient whose emergency access is off loses their escrow copies. */
export async function sweepEscrowCopies(gateway: Gateway): Promise<number> {
  let deleted = 0;
  for (const patient of await escrowPatients(gateway.db)) deleted += await purgeEscrowIfEmergencyOff(gateway, patient);
  return deleted;
}

/**
 * The emergency read's key, after the chain allowed READ for EMERGENCY and the reader holds no key of its own: when
 * the reader's break-glass window is open, the escrow copy is re-wrapped for the reader's published key in memory and
 * the read is logged before anything is returned. Undefined when the escrow path does not apply (a sensitive record,
 * or access that came from a consent rather than a broken glass), so the caller answers key_not_found.
 */
export async function serveEscrowKey(
  gateway: Gateway,
  read: NewDisclosure,
  record: RecordMeta,
): Promise<{ id: bigint; wrappedKey: Uint8Array } | undefined> {
  if (!isEscrowCategory(record.category)) return undefined;
  const escrow = escrowOf(gateway);
  const { reader, patient } = read;
  const { addresses } = gateway.config;
  const [until, block, emergencyCapable, readerKey] = await Promise.all([
    failClosed("emergencyAccessUntil", () =>
      gateway.consentClient.publicClient.readContract({
        address: addresses.consentRegistry,
        abi: abis.ConsentRegistry,
        functionName: "emergencyAccessUntil",
        args: [patient, reader],
      }),
    ),
    failClosed("getBlock", () => gateway.consentClient.publicClient.getBlock({ blockTag: "latest" })),
    failClosed("isEmergencyProvider", () =>
      gateway.consentClient.publicClient.readContract({
        address: addresses.providerRegistry,
        abi: abis.ProviderRegistry,
        functionName: "isEmergencyProvider",
        args: [reader],
      }),
    ),
    failClosed("encryptionKeyOf", () =>
      gateway.consentClient.publicClient.readContract({
        address: addresses.keyDirectory,
        abi: abis.KeyDirectory,
        functionName: "encryptionKeyOf",
        args: [reader],
      }),
    ),
  ]);
  if (BigInt(until) <= block.timestamp) return undefined;
  // The chain keeps a window open after the registrar withdraws the flag; the escrow serves only flagged providers.
  if (!emergencyCapable) {
    throw forbidden(
      "Your registration is no longer emergency-capable, so the gateway opens no records for you in an emergency.",
      "not_emergency_provider",
    );
  }
  if (readerKey === zeroHash) {
    throw new GatewayError(
      409,
      "no_encryption_key",
      "You have not published an encryption key, so the record's key cannot be wrapped for you. Publish it on your " +
        "provider page, then open the record again.",
    );
  }
  const escrowCopy = await findEscrowKey(gateway.db, patient, read.recordId);
  if (escrowCopy === undefined) throw escrowCopyMissing();
  let wrappedKey: Uint8Array;
  try {
    wrappedKey = rewrapEscrowCopy(escrowCopy, escrow.secretKey, record.contentHash, publicKeyFromHex(readerKey));
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    console.error(`gateway: the escrow copy of ${patient} record ${read.recordId} does not open:`, error.message);
    throw new GatewayError(
      503,
      "emergency_unavailable",
      "The gateway's emergency copy of this record does not open with its current escrow key. Ask the operator.",
    );
  }
  let id: bigint | undefined;
  try {
    id = await logEscrowDisclosure(gateway.db, read);
  } catch (error) {
    console.error("gateway: could not log an emergency disclosure:", error);
    throw new GatewayError(503, "log_unavailable", "The gateway cannot log this read right now, so it serves nothing.");
  }
  // The copy was deleted (emergency access turned off) after it was read above: nothing logged, nothing served.
  if (id === undefined) throw escrowCopyMissing();
  return { id, wrappedKey };
}
