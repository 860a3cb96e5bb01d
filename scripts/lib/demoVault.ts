// The seed's use of the encrypted vault, exactly as the portal does it: each demo person's X25519 key is derived from
// their signature of the fixed EIP-712 message and published in the KeyDirectory; each record is encrypted, its
// ciphertext uploaded to the gateway (signed in with SIWE) with the patient's own wrapped key, registered on chain,
// and its key wrapped for the patient and the providers who may read it.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HDNodeWallet } from "ethers";
import type { Address, Hex } from "viem";
import {
  deriveEncryptionKeyPair,
  encryptionKeyTypedData,
  encryptRecord,
  publicKeyFromHex,
  toBase64Url,
  wrapRecordKey,
  type EncryptionKeyPair,
} from "../../app/_lib/vault";
import { CATEGORIES } from "../../app/_lib/consentCodes";
import type { KeyDirectory, RecordRegistry } from "../../typechain-types";
import { fileBytesOf, type DemoRecordFile } from "./demoRecords";
import { GatewayClient } from "./gatewayHttpClient";

export interface DemoVault {
  /** Derives each wallet's encryption key and publishes it unless the directory already has it. */
  publishKeys(wallets: HDNodeWallet[]): Promise<void>;
  /** Encrypts, uploads (with a gateway), registers and shares one record; returns its id. */
  addRecord(options: {
    patient: HDNodeWallet;
    /** Names the ciphertext file: `<patientName>-<recordId>-<category>.bin`. */
    patientName: string;
    author: HDNodeWallet;
    file: DemoRecordFile;
    readers: HDNodeWallet[];
  }): Promise<bigint>;
}

export function demoVault(options: {
  chainId: number;
  keyDirectory: KeyDirectory;
  records: RecordRegistry;
  /** Without a gateway the records are registered and their ciphertext written to `filesDir`, but not uploaded. */
  gatewayUrl?: string;
  filesDir: string;
}): DemoVault {
  const { chainId, keyDirectory, records, gatewayUrl, filesDir } = options;
  const keyPairs = new Map<string, EncryptionKeyPair>();
  const sessions = new Map<string, GatewayClient>();

  async function keyPairOf(wallet: HDNodeWallet): Promise<EncryptionKeyPair> {
    let pair = keyPairs.get(wallet.address);
    if (pair === undefined) {
      const { domain, types, message } = encryptionKeyTypedData(wallet.address as Address, chainId);
      const signature = (await wallet.signTypedData(
        domain!,
        { EncryptionKey: [...types.EncryptionKey] },
        message,
      )) as Hex;
      pair = deriveEncryptionKeyPair(signature, wallet.address as Address);
      keyPairs.set(wallet.address, pair);
    }
    return pair;
  }

  async function gatewayAs(wallet: HDNodeWallet): Promise<GatewayClient> {
    let client = sessions.get(wallet.address);
    if (client === undefined) {
      client = new GatewayClient(gatewayUrl!, {
        address: wallet.address as Address,
        signMessage: async ({ message }) => (await wallet.signMessage(message)) as Hex,
      });
      await client.signIn();
      sessions.set(wallet.address, client);
    }
    return client;
  }

  const expectStatus = (what: string, response: { status: number; describe(): string }, ...ok: number[]) => {
    if (!ok.includes(response.status)) throw new Error(`${what}: the gateway answered ${response.describe()}`);
  };

  return {
    async publishKeys(wallets) {
      for (const wallet of wallets) {
        const { publicKeyHex } = await keyPairOf(wallet);
        if ((await keyDirectory.encryptionKeyOf(wallet.address)) === publicKeyHex) continue;
        await (await keyDirectory.connect(wallet).setEncryptionKey(publicKeyHex)).wait();
      }
    },

    async addRecord({ patient, patientName, author, file, readers }) {
      const sealed = await encryptRecord({ bytes: fileBytesOf(file), name: file.name, type: file.type });
      if (gatewayUrl !== undefined) {
        // The patient's own key goes with the file, before the chain transaction, as the portal does it.
        const patientKey = publicKeyFromHex(await keyDirectory.encryptionKeyOf(patient.address));
        const ownKey = wrapRecordKey(sealed.recordKey, patientKey, sealed.contentHash);
        const upload = await (
          await gatewayAs(author)
        ).putBytes(`/api/blobs/${sealed.cid}?patient=${patient.address}&category=${file.category}`, sealed.ciphertext, {
          "x-wrapped-key": toBase64Url(ownKey),
        });
        expectStatus(`uploading ${file.name}`, upload, 200, 201);
      }
      await (
        await records.connect(author).addRecord(patient.address, sealed.contentHash, file.category, sealed.cid)
      ).wait();
      const recordId = await records.recordCount(patient.address);
      mkdirSync(filesDir, { recursive: true });
      writeFileSync(
        path.join(filesDir, `${patientName}-${recordId}-${CATEGORIES.find((c) => c.bit === file.category)!.key}.bin`),
        sealed.ciphertext,
      );

      if (gatewayUrl !== undefined) {
        const author_ = await gatewayAs(author);
        for (const reader of [patient, ...readers]) {
          const published = await keyDirectory.encryptionKeyOf(reader.address);
          const wrapped = wrapRecordKey(sealed.recordKey, publicKeyFromHex(published), sealed.contentHash);
          const response = await author_.putJson(`/api/records/${patient.address}/${recordId}/keys/${reader.address}`, {
            wrappedKey: toBase64Url(wrapped),
          });
          expectStatus(`sharing ${file.name} with ${reader.address}`, response, 200, 201);
        }
      }
      return recordId;
    },
  };
}
