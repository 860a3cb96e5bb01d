// Content identifiers of encrypted record files: CIDv1, raw codec, sha2-256 multihash, base32 ("bafkrei…"). The
// RecordRegistry stores the SHA-256 content hash; the CID is the same 32 bytes spelled the way IPFS and the gateway's
// blob store name a file.
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import type { Hex } from "viem";
import { fixedBytesOfHex, toHex } from "./encoding";
import { VaultError } from "./errors";

const CID_VERSION = 1;
const RAW_CODEC = 0x55;
const SHA2_256 = 0x12;
const SHA256_BYTES = 32;

/** The CIDv1 (raw, sha2-256) of a 0x SHA-256 content hash: "bafkrei…", 59 characters. */
export function cidOfHash(sha256Hash: string): string {
  const digest = fixedBytesOfHex(sha256Hash, SHA256_BYTES, "A SHA-256 content hash");
  return CID.create(CID_VERSION, RAW_CODEC, Digest.create(SHA2_256, digest)).toString();
}

function parseRecordCid(text: string): CID {
  let cid: CID;
  try {
    cid = CID.parse(text);
  } catch {
    throw new VaultError("Not a content identifier (CID).");
  }
  if (cid.version !== CID_VERSION) throw new VaultError("Only CIDv1 content identifiers are accepted, not CIDv0.");
  if (cid.code !== RAW_CODEC) throw new VaultError("A record's content identifier must use the raw codec.");
  if (cid.multihash.code !== SHA2_256 || cid.multihash.size !== SHA256_BYTES)
    throw new VaultError("A record's content identifier must use a SHA-256 hash.");
  // One spelling per record (lowercase base32): other bases of the same CID would name different blob files.
  if (cid.toString() !== text)
    throw new VaultError("A record's content identifier must be written in base32 (bafkrei…).");
  return cid;
}

/** The 0x SHA-256 content hash inside a record CID; throws VaultError unless it is a base32 CIDv1, raw, sha2-256. */
export function hashOfCid(text: string): Hex {
  return toHex(parseRecordCid(text).multihash.digest);
}

/** Whether the text is a record CID in its one accepted form (CIDv1, raw, sha2-256, base32). */
export function isRecordCid(text: string): boolean {
  try {
    parseRecordCid(text);
    return true;
  } catch {
    return false;
  }
}
