// Parsing of every identifier that arrives in a URL or query: addresses, record ids, categories, purposes, CIDs.
// Nothing unvalidated ever reaches a path, an object key or a contract call.
import "server-only";
import { getAddress, isAddress, type Address } from "viem";
import { PURPOSES } from "@/lib/consentCodes";
import { isRecordCid } from "@/lib/vault/cid";
import { badRequest } from "./errors";

const MAX_RECORD_ID = 1n << 64n;

/** A 0x address (40 hex digits; with a valid checksum when mixed case), checksummed. */
export function parseAddress(text: string | null, what: string): Address {
  if (text === null || text === "") throw badRequest(`Give the ${what}'s address.`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(text) || !isAddress(text)) {
    throw badRequest(`The ${what} must be a 0x address of 40 hex digits (with a valid checksum if mixed-case).`);
  }
  return getAddress(text);
}

/** A record id written in decimal, 0..2^64 (0 parses, and is then a record that does not exist). */
export function parseRecordId(text: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw badRequest("The record id must be a whole number written in decimal.");
  const id = BigInt(text);
  if (id > MAX_RECORD_ID) throw badRequest("The record id is too large.");
  return id;
}

/** A category bit, 0..63. */
export function parseCategory(text: string | null): number {
  if (text === null || !/^\d{1,2}$/.test(text) || Number(text) > 63) {
    throw badRequest("Give the record's category as a number from 0 to 63 (?category=4 for lab results).");
  }
  return Number(text);
}

/** A purpose slug (treatment, payment, operations, research, public-health, emergency) → its bit. */
export function parsePurpose(text: string | null, fallback?: number): number {
  if (text === null || text === "") {
    if (fallback !== undefined) return fallback;
    throw badRequest(`Say why you are reading: ?purpose=${PURPOSES.map((p) => p.key).join("|")}.`);
  }
  const purpose = PURPOSES.find((p) => p.key === text);
  if (purpose === undefined)
    throw badRequest(`Unknown purpose "${text.slice(0, 40)}": use ${PURPOSES.map((p) => p.key).join(", ")}.`);
  return purpose.bit;
}

export function purposeKeyOf(bit: number): string {
  return PURPOSES.find((p) => p.bit === bit)?.key ?? String(bit);
}

/** A record CID (CIDv1, raw, sha2-256, base32). */
export function parseCid(text: string): string {
  if (!isRecordCid(text)) {
    throw badRequest("The content identifier must be a CIDv1 (raw codec, sha2-256) in base32, like bafkrei….");
  }
  return text;
}

/** ?before=<seq>&limit=<1-1000> of a listing (default: the newest 500). */
export function parseListWindow(query: URLSearchParams): { before?: bigint; limit: number } {
  const before = query.get("before");
  const limit = query.get("limit");
  if (before !== null && !/^\d{1,18}$/.test(before)) throw badRequest("?before must be a disclosure id.");
  if (limit !== null && (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000)) {
    throw badRequest("?limit must be a number from 1 to 1000.");
  }
  return { before: before === null ? undefined : BigInt(before), limit: limit === null ? 500 : Number(limit) };
}
