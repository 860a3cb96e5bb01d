// The seed's use of the encrypted vault, exactly as the portal does it: each demo person's X25519 key is derived from
// their signature of the fixed EIP-712 message and published in the KeyDirectory; each record is encrypted, its
// ciphertext uploaded to the gateway (signed in with SIWE) with the patient's own wrapped key, registered on chain,
// and its key wrapped for the patient and the providers who may read it. With emergency access on, the patient's
// routine records also get escrow copies for the gateway's emergency key, as the portal makes them when the patient
// turns emergency access on.
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
} from "@/lib/vault";
import { checkedEscrowKey, isEscrowCategory } from "@/lib/vault/escrow";
import { CATEGORIES } from "@/lib/consentCodes";
import type { KeyDirectory, RecordRegistry } from "@/typechain-types";
import { fileBytesOf, type DemoRecordFile } from "@/harness/demoRecords";
import { GatewayClient } from "@/harness/gatewayHttpClient";

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
  /**
   * Publishes the gateway's emergency escrow key from the gateway's own account (`gateway`, which must be the address
   * the gateway announces) and stores an escrow copy of each routine record added for `patient`; returns how many.
   * Without a gateway it does nothing and returns 0.
   */
  prepareEmergencyAccess(options: { gateway: HDNodeWallet; patient: HDNodeWallet }): Promise<number>;
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
  /** What the escrow needs of each record added here: its category, content hash and key. */
  const added: { patient: string; recordId: bigint; category: number; contentHash: Hex; recordKey: Uint8Array }[] = [];

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
      added.push({ patient: patient.address, recordId, category: file.category, ...sealed });

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

    async prepareEmergencyAccess({ gateway, patient }) {
      if (gatewayUrl === undefined) return 0;
      const patientClient = await gatewayAs(patient);
      const announced = await patientClient.get("/api/emergency/escrow");
      expectStatus("reading the gateway's emergency escrow key", announced, 200);
      const escrow = announced.json<{ address: string; publicKey: Hex }>();
      if (escrow.address.toLowerCase() !== gateway.address.toLowerCase()) {
        throw new Error(
          `The gateway's escrow account is ${escrow.address}, not the local gateway account ${gateway.address}: ` +
            "run it without GATEWAY_PRIVATE_KEY on the local chain.",
        );
      }
      if ((await keyDirectory.encryptionKeyOf(gateway.address)).toLowerCase() !== escrow.publicKey.toLowerCase()) {
        await (await keyDirectory.connect(gateway).setEncryptionKey(escrow.publicKey)).wait();
      }
      const escrowKey = checkedEscrowKey(escrow, await keyDirectory.encryptionKeyOf(gateway.address));
      let copies = 0;
      for (const record of added) {
        if (record.patient !== patient.address || !isEscrowCategory(record.category)) continue;
        const wrapped = wrapRecordKey(record.recordKey, escrowKey, record.contentHash);
        const response = await patientClient.putJson(`/api/emergency/escrow/${patient.address}/${record.recordId}`, {
          wrappedKey: toBase64Url(wrapped),
        });
        expectStatus(`storing the emergency copy of record ${record.recordId}`, response, 200, 201);
        copies++;
      }
      return copies;
    },
  };
}
