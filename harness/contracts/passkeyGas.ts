// Gas of passkey accounts, measured like the consent operations in ./gas.ts: deploying a patient's account through
// the factory, a relayed grantConsentBySig signed by a passkey (ERC-1271 + ERC-7739 + WebAuthn on the P256VERIFY
// precompile), and a relayed executeBySig; each footprint checked against the transaction's trace.
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import type { Address } from "viem";
import { Action, Category, Purpose, categories, HOUR, YEAR } from "./codes";
import { providersFixture } from "./fixtures";
import { signExecution, signGrantWithPasskey } from "./passkeyFixtures";
import { latestTime } from "./time";
import {
  measureTransaction,
  NO_FOOTPRINT,
  UINT,
  type ContractNames,
  type Measurement,
  type OperationSpec,
} from "./gas";
import { SoftPasskey } from "@/harness/softPasskey";
import { PatientAccount__factory } from "@/typechain-types";

/** Gas goals of passkey operations, by key: upper bounds asserted by test/Gas.test.ts and shown by the benchmark. */
export const PASSKEY_GOALS = {
  passkeyGrantBySig: {
    operation: "grantConsentBySig signed by a passkey account, first nonce, new consent (relayed)",
    gas: 130_000,
  },
} as const;

const LOG = {
  ConsentGranted: { event: "ConsentGranted", topics: 3, dataBytes: 5 * UINT },
  ERC7913SignerAdded: { event: "ERC7913SignerAdded", topics: 2, dataBytes: 0 },
  Initialized: { event: "Initialized", topics: 1, dataBytes: 1 * UINT },
  PatientAccountCreated: { event: "PatientAccountCreated", topics: 2, dataBytes: 2 * UINT },
  PatientAccountExecuted: { event: "PatientAccountExecuted", topics: 3, dataBytes: 0 },
  EncryptionKeySet: { event: "EncryptionKeySet", topics: 2, dataBytes: 1 * UINT },
};
const SIGNER_POSITION = "PatientAccount: _signers._positions[passkey signer]";
const IMPLEMENTATION_CALL = "PatientAccount implementation: the minimal proxy's delegatecall";

/** The passkey rows placed right after the EOA's relayed signed grant, so the two signed grants sit side by side. */
export function besideSignedGrant(operations: Measurement[], passkeyRows: Measurement[]): Measurement[] {
  const at = operations.findIndex((m) => m.key === "grantBySig") + 1;
  return [...operations.slice(0, at), ...passkeyRows, ...operations.slice(at)];
}

/**
 * Deploys MedConsent through the production Ignition module and measures, in order: a sponsor creating a patient's
 * passkey account, a relayer sending that patient's passkey-signed grant, and a relayed signed execution that
 * publishes the account's encryption key.
 */
export async function measurePasskeyOperations(): Promise<Measurement[]> {
  const { providerRegistry, consentRegistry, keyDirectory, patientAccountFactory, clinic, relayer, other } =
    await providersFixture();
  // A fixed key: the same account address and signatures, so the same gas, on every run.
  const passkey = new SoftPasskey({ privateKey: ethers.id("medconsent gas benchmark passkey") as `0x${string}` });
  const { x, y } = passkey.publicKey;
  const address = (await patientAccountFactory.predictAddress(x, y)) as Address;
  const implementation = await patientAccountFactory.implementation();
  const names: ContractNames = new Map([
    [await providerRegistry.getAddress(), "ProviderRegistry"],
    [await consentRegistry.getAddress(), "ConsentRegistry"],
    [await keyDirectory.getAddress(), "KeyDirectory"],
    [await patientAccountFactory.getAddress(), "PatientAccountFactory"],
    [address, "PatientAccount"],
    [implementation, "PatientAccount implementation"],
  ]);
  const results: Measurement[] = [];
  const measure = async (spec: OperationSpec, tx: Promise<ContractTransactionResponse>) => {
    results.push(await measureTransaction(spec, names, tx));
  };

  await measure(
    {
      key: "createPatientAccount",
      label: "createAccount: a patient's passkey account (minimal proxy), by a sponsor",
      footprint: {
        ...NO_FOOTPRINT,
        newSlots: [
          "PatientAccount: _signers._values.length",
          "PatientAccount: _signers._values[0] (length of the 84-byte signer)",
          "PatientAccount: _signers._values[0] data, word 1",
          "PatientAccount: _signers._values[0] data, word 2",
          "PatientAccount: _signers._values[0] data, word 3",
          SIGNER_POSITION,
          "PatientAccount: Initializable (ERC-7201 namespace)",
        ],
        coldAccounts: ["PatientAccount: the new account, initialize()", IMPLEMENTATION_CALL],
        logs: [LOG.ERC7913SignerAdded, LOG.Initialized, LOG.PatientAccountCreated],
      },
    },
    patientAccountFactory.connect(other).createAccount(x, y),
  );

  const ctx = { passkey, verifier: implementation as Address, address };
  const now = await latestTime();
  const args = {
    grantee: clinic.address as Address,
    categories: categories(Category.LabResults, Category.Medications),
    actions: Action.Read,
    purposes: Purpose.Treatment,
    expiresAt: now + YEAR,
  };
  const deadline = BigInt(now + HOUR);
  const signature = await signGrantWithPasskey(
    ctx,
    (await consentRegistry.getAddress()) as Address,
    args,
    await consentRegistry.nonces(address),
    deadline,
  );
  await measure(
    {
      key: "passkeyGrantBySig",
      label: PASSKEY_GOALS.passkeyGrantBySig.operation,
      goal: PASSKEY_GOALS.passkeyGrantBySig.gas,
      footprint: {
        ...NO_FOOTPRINT,
        newSlots: [
          "ConsentRegistry: _patients[patient] (epoch, emergencyEpoch, emergencyDisabled, nonce)",
          "ConsentRegistry: _consents[patient][grantee] (the packed consent)",
        ],
        coldReads: [
          "ProviderRegistry: _providers[grantee] slot 0 (kind, status, emergencyCapable, registeredAt)",
          SIGNER_POSITION,
        ],
        coldAccounts: [
          "ProviderRegistry: isActiveProvider(grantee), external call",
          "PatientAccount: isValidSignature (ERC-1271), external call",
          IMPLEMENTATION_CALL,
        ],
        logs: [LOG.ConsentGranted],
        p256Verifications: 1,
      },
    },
    consentRegistry
      .connect(relayer)
      .grantConsentBySig(
        address,
        args.grantee,
        args.categories,
        args.actions,
        args.purposes,
        args.expiresAt,
        deadline,
        signature,
      ),
  );

  const account = PatientAccount__factory.connect(address, relayer);
  const key = ethers.id("x25519 public key of a passkey patient");
  const calls = [
    {
      target: (await keyDirectory.getAddress()) as Address,
      value: 0n,
      data: keyDirectory.interface.encodeFunctionData("setEncryptionKey", [key]) as `0x${string}`,
    },
  ];
  await measure(
    {
      key: "executeBySig",
      label: "executeBySig: a passkey account publishes its encryption key (relayed)",
      footprint: {
        ...NO_FOOTPRINT,
        newSlots: ["PatientAccount: _nonces[account]", "KeyDirectory: _encryptionKeys[account]"],
        coldReads: [SIGNER_POSITION],
        coldAccounts: [IMPLEMENTATION_CALL, "KeyDirectory: setEncryptionKey(key), external call"],
        logs: [LOG.PatientAccountExecuted, LOG.EncryptionKeySet],
        p256Verifications: 1,
      },
    },
    account.executeBySig(...(await signExecution(ctx, account, calls, BigInt((await latestTime()) + HOUR)))),
  );
  return results;
}
