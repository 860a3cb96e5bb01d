// Gas of the vault's on-chain parts, measured like the consent operations in ./gas.ts: publishing an encryption key and
// anchoring disclosure batches, each footprint checked against the transaction's trace.
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import {
  measureCall,
  measureTransaction,
  NO_FOOTPRINT,
  UINT,
  type ContractNames,
  type Measurement,
  type OperationSpec,
} from "./gas";
import { disclosureLeaf, disclosures, merkleTree } from "./disclosureTree";
import { vaultFixture } from "./vaultFixtures";

/** Gas goals of the vault operations, by key: upper bounds asserted by test/Gas.ts and shown by the benchmark. */
export const VAULT_GOALS = {
  setEncryptionKeyFirst: { operation: "setEncryptionKey, account's first key", gas: 50_000 },
  setEncryptionKeyReplace: { operation: "setEncryptionKey, replacing the key", gas: 32_000 },
  anchorFirst: { operation: "anchor, first batch (creates the sequence slot)", gas: 75_000 },
  anchorLater: { operation: "anchor, a later batch", gas: 60_000 },
} as const;

const SERVED_AT = 1_750_000_000;
const LOG = {
  EncryptionKeySet: { event: "EncryptionKeySet", topics: 2, dataBytes: 1 * UINT },
  DisclosuresAnchored: { event: "DisclosuresAnchored", topics: 3, dataBytes: 2 * UINT },
};
const KEY = "KeyDirectory: _encryptionKeys[account]";
const GATEWAY = "DisclosureLog: _roles[GATEWAY_ROLE].hasRole[gateway]";
const LAST_SEQ = "DisclosureLog: _lastSeq";
const BATCH = "DisclosureLog: _batches[root] (fromSeq, toSeq, anchoredAt)";

function withGoal(key: keyof typeof VAULT_GOALS) {
  return { key, label: VAULT_GOALS[key].operation, goal: VAULT_GOALS[key].gas };
}

/**
 * Deploys MedConsent through the production Ignition module and measures, in order: a first and a replacing
 * encryption key, a first and a later anchor of real disclosure batches, and verifying an 8-leaf proof.
 */
export async function measureVaultOperations(): Promise<Measurement[]> {
  const { keyDirectory, disclosureLog, gateway, patient, reader } = await vaultFixture();
  const names: ContractNames = new Map([
    [await keyDirectory.getAddress(), "KeyDirectory"],
    [await disclosureLog.getAddress(), "DisclosureLog"],
  ]);
  const results: Measurement[] = [];
  const measure = async (spec: OperationSpec, tx: Promise<ContractTransactionResponse>) => {
    results.push(await measureTransaction(spec, names, tx));
  };

  const asPatient = keyDirectory.connect(patient);
  await measure(
    {
      ...withGoal("setEncryptionKeyFirst"),
      footprint: { ...NO_FOOTPRINT, newSlots: [KEY], logs: [LOG.EncryptionKeySet] },
    },
    asPatient.setEncryptionKey(ethers.id("x25519 public key")),
  );
  await measure(
    {
      ...withGoal("setEncryptionKeyReplace"),
      footprint: { ...NO_FOOTPRINT, changedSlots: [KEY], logs: [LOG.EncryptionKeySet] },
    },
    asPatient.setEncryptionKey(ethers.id("x25519 public key, rotated")),
  );

  // Two batches of realistic disclosures: the gateway's first (1-5) and a later one (6-13). A fixed serving time keeps
  // the leaves, and so the calldata's zero bytes, the same on every run.
  const servedAt = SERVED_AT;
  const first = merkleTree(disclosures(1n, 5, reader.address, patient.address, servedAt).map(disclosureLeaf));
  const laterLeaves = disclosures(6n, 8, reader.address, patient.address, servedAt).map(disclosureLeaf);
  const later = merkleTree(laterLeaves);
  const asGateway = disclosureLog.connect(gateway);
  await measure(
    {
      ...withGoal("anchorFirst"),
      footprint: {
        ...NO_FOOTPRINT,
        newSlots: [LAST_SEQ, BATCH],
        coldReads: [GATEWAY],
        logs: [LOG.DisclosuresAnchored],
      },
    },
    asGateway.anchor(first.root, 1, 5),
  );
  await measure(
    {
      ...withGoal("anchorLater"),
      footprint: {
        ...NO_FOOTPRINT,
        newSlots: [BATCH],
        changedSlots: [LAST_SEQ],
        coldReads: [GATEWAY],
        logs: [LOG.DisclosuresAnchored],
      },
    },
    asGateway.anchor(later.root, 6, 13),
  );

  const verifyData = disclosureLog.interface.encodeFunctionData("verifyDisclosure", [
    later.root,
    later.proof(5),
    laterLeaves[5],
  ]);
  results.push(
    await measureCall(
      {
        key: "verifyDisclosure",
        label: "verifyDisclosure (estimateGas, 8-leaf batch, proof of 3)",
        footprint: { ...NO_FOOTPRINT, coldReads: [BATCH] },
      },
      names,
      { from: patient.address, to: await disclosureLog.getAddress(), data: verifyData },
    ),
  );
  return results;
}
