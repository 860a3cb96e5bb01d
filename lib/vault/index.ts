// The vault's public API: record encryption, key wrapping, wallet-derived encryption keys, CIDs and disclosure proofs.
export { VaultError } from "./errors";
export { fromBase64Url, toBase64Url } from "./encoding";
export { cidOfHash, hashOfCid, isRecordCid } from "./cid";
export {
  decryptRecord,
  encryptRecord,
  RECORD_KEY_LENGTH,
  sha256Hex,
  type DecryptedRecord,
  type EncryptedRecord,
  type RecordFile,
} from "./recordCipher";
export { unwrapRecordKey, WRAPPED_KEY_LENGTH, wrapRecordKey } from "./keyWrap";
export {
  deriveEncryptionKeyPair,
  deriveEncryptionKeyPairFromPrf,
  encryptionKeyTypedData,
  isEncryptionPublicKey,
  KEY_DERIVATION_PURPOSE,
  PRF_SALT,
  publicKeyFromHex,
  publicKeyToHex,
  type EncryptionKeyPair,
} from "./encryptionKey";
export {
  KEY_COPY_CIPHERTEXT_BYTES,
  KEY_COPY_IV_BYTES,
  keyCopyInfo,
  openKeyCopy,
  sealKeyCopy,
  type SealedKeyCopy,
} from "./keyCopy";
export {
  disclosureLeaf,
  merkleTree,
  requestIdBytes,
  verifyMerkleProof,
  type DisclosureAnchorInfo,
  type DisclosureEntry,
  type ListedDisclosure,
  type MerkleTree,
} from "./disclosureProof";
