// Provider and registrar CLI: consent:check, consent:list, record:verify, provider:register|suspend|reinstate|emergency,
// gateway:authorize for the disclosure log's admin, and gateway:publish-escrow-key for the gateway's operator.
// Every task takes --network and --help; categories, actions and purposes are accepted by name or by number.
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  createPublicClient,
  BaseError,
  createWalletClient,
  custom,
  getAddress,
  hexToBytes,
  isAddress,
  isHex,
  keccak256,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { x25519 } from "@noble/curves/ed25519.js";
import { privateKeyToAccount } from "viem/accounts";
import { explainError } from "@/lib/accessErrors";
import { publicKeyToHex } from "@/lib/vault";
import { CodeError, describeCategories, parseProviderKind } from "@/lib/consentCodes";
import { createConsentClient, deploymentOf } from "@/lib/consentClient";
import { decodeRevert } from "@/lib/decodeRevert";
import { readSecret } from "@/scripts/lib/secrets";
import { printTable } from "@/harness/table";

const EXIT_DENIED = 1;
const EXIT_ERROR = 2;

/**
 * Exit codes a script can gate on: 0 allowed / matches / done, 1 denied / mismatch, 2 bad input or an error (the
 * message in plain words on stderr, without a stack trace).
 */
function cliAction<A>(action: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>) {
  return async (args: A, hre: HardhatRuntimeEnvironment) => {
    try {
      await action(args, hre);
    } catch (error) {
      const message = error instanceof BaseError ? error.shortMessage : (error as Error).message;
      console.error(`error: ${message}`);
      process.exitCode = EXIT_ERROR;
    }
  };
}

/** Turns bad input into Hardhat's plain error output (no stack trace). */
function fail(message: string): never {
  throw new HardhatPluginError("medconsent", message);
}

function address(name: string, value: string): Address {
  if (!isAddress(value)) fail(`--${name} must be an address (0x followed by 40 hex digits), got "${value}".`);
  return getAddress(value);
}

/** The indexer's URL from --indexer or INDEXER_URL, checked; undefined for neither (the log scan). */
function indexerUrlOf(flag: string | undefined): string | undefined {
  const url = (flag ?? process.env.INDEXER_URL)?.trim().replace(/\/+$/, "") || undefined;
  if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) {
    fail(`--indexer (or INDEXER_URL) must be the indexer's http(s) URL, e.g. http://127.0.0.1:42069, got "${url}".`);
  }
  return url;
}

async function clientFor(hre: HardhatRuntimeEnvironment, indexerUrl?: string) {
  const chainId = Number(await hre.network.provider.request({ method: "eth_chainId" }));
  const deployment = deploymentOf(chainId);
  if (deployment === undefined) {
    fail(
      `MedConsent is not deployed on ${hre.network.name} (chain ${chainId}). Run: npm run deploy -- --network ${hre.network.name}`,
    );
  }
  // The CLI also sends (registrar and operator tasks): it gives the library a client with every public action.
  return createConsentClient({
    addresses: deployment.addresses,
    fromBlock: deployment.fromBlock,
    publicClient: createPublicClient({ transport: custom(hre.network.provider) }),
    // Lists only (consent:list); consent:check never passes one: a decision is always the chain's.
    indexerUrl,
  });
}

/** Parses codes, turning an unknown name into a CLI error that lists the valid ones. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CodeError) fail(error.message);
    throw error;
  }
}

const date = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

task("consent:check", "Checks whether a provider may access a patient's data now; exit 0 allowed, 1 denied, 2 error")
  .addParam("patient", "Patient address")
  .addParam("grantee", "Provider address")
  .addParam("categories", "Categories: names (lab-results,medications), routine, or a mask number")
  .addParam("action", "Action: read | append (or 1 | 2)")
  .addParam("purpose", "Purpose: treatment | payment | operations | research | public-health | emergency (or its bit)")
  .setAction(
    cliAction(
      async (args: { patient: string; grantee: string; categories: string; action: string; purpose: string }, hre) => {
        const client = await clientFor(hre);
        const query = {
          patient: address("patient", args.patient),
          grantee: address("grantee", args.grantee),
          categories: parsed(() => client.parse.categories(args.categories)),
          action: parsed(() => client.parse.actions(args.action)),
          purpose: parsed(() => client.parse.purposes(args.purpose)),
        };
        const result = await client.explainAccess(query);
        if (result.allowed) {
          console.log(
            `allowed: ${query.grantee} may ${args.action} ${describeCategories(query.categories)} of ${query.patient} for ${args.purpose}`,
          );
        } else {
          console.log(`denied: ${result.reason} (${result.error})`);
          process.exitCode = EXIT_DENIED;
        }
      },
    ),
  );

task("consent:list", "Lists the consents a patient has given, or a provider has received, with their state")
  .addOptionalParam("patient", "Patient address")
  .addOptionalParam("grantee", "Provider address")
  .addOptionalParam(
    "indexer",
    "The MedConsent indexer's URL (default: INDEXER_URL; without either, the chain's logs are scanned)",
  )
  .setAction(
    cliAction(async (args: { patient?: string; grantee?: string; indexer?: string }, hre) => {
      if ((args.patient === undefined) === (args.grantee === undefined))
        fail("Give exactly one of --patient or --grantee.");
      const indexerUrl = indexerUrlOf(args.indexer);
      const client = await clientFor(hre, indexerUrl);
      const filter = args.patient
        ? { patient: address("patient", args.patient) }
        : { grantee: address("grantee", args.grantee!) };
      const consents = await client.listConsents(filter);
      if (consents.length === 0) console.log("No consents.");
      printTable(
        consents.map((c) => ({
          state: c.state,
          patient: c.patient,
          grantee: c.grantee,
          expires: date(c.expiresAt),
          terms: c.summary,
        })),
      );
      const { blockNumber, timestamp } = consents.currentTo;
      const at = timestamp === undefined ? "" : ` (${date(timestamp)})`;
      if (indexerUrl === undefined) {
        console.log(`Current to block ${blockNumber}${at}: scanned from the chain's logs.`);
        return;
      }
      const status = await client.indexerStatus();
      const behind =
        status !== undefined && status.head > blockNumber
          ? `; the chain is at block ${status.head}, ${status.head - blockNumber} block(s) ahead`
          : "";
      console.log(`Current to block ${blockNumber}${at}: from the indexer at ${indexerUrl}${behind}.`);
    }),
  );

task("record:verify", "Checks a local file against a record's on-chain content hash; exit code 0 if it matches")
  .addParam("patient", "Patient address")
  .addParam("id", "Record id (from 1)", undefined, types.string)
  .addParam("file", "Path of the (encrypted) file to check")
  .setAction(
    cliAction(async (args: { patient: string; id: string; file: string }, hre) => {
      if (!/^\d+$/.test(args.id) || args.id === "0") fail(`--id must be a record id (1, 2, …), got "${args.id}".`);
      const client = await clientFor(hre);
      const patient = address("patient", args.patient);
      const recordId = BigInt(args.id);
      const count = await client.recordCount(patient);
      if (recordId > count) fail(`Patient ${patient} has ${count} record(s); there is no record ${recordId}.`);
      let result;
      try {
        result = await client.verifyRecordFile(patient, recordId, args.file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") fail(`No such file: ${args.file}`);
        throw error;
      }
      if (result.matches) {
        console.log(`match: ${args.file} is record ${recordId} of ${patient} (sha-256 ${result.fileHash})`);
      } else {
        console.log(
          `MISMATCH: ${args.file} has sha-256 ${result.fileHash}, record ${recordId} has ${result.onChainHash}`,
        );
        process.exitCode = EXIT_DENIED;
      }
    }),
  );

/** Sends a transaction from the network's first account, simulated first so a revert is explained in plain words. */
async function sendAdminTransaction(
  hre: HardhatRuntimeEnvironment,
  contract: "ProviderRegistry" | "DisclosureLog",
  functionName: string,
  args: readonly unknown[],
): Promise<Hex> {
  const client = await clientFor(hre);
  const [account] = (await hre.network.provider.request({ method: "eth_accounts" })) as Address[];
  if (account === undefined) fail(`No account configured for ${hre.network.name}: set DEPLOYER_PRIVATE_KEY.`);
  const wallet = createWalletClient({ account, transport: custom(hre.network.provider) });
  const address = contract === "ProviderRegistry" ? client.addresses.providerRegistry : client.addresses.disclosureLog;
  try {
    const { request } = await client.publicClient.simulateContract({
      account,
      address,
      abi: client.abis[contract],
      functionName,
      args,
    } as never);
    const hash = await wallet.writeContract({ ...(request as object), chain: null } as never);
    await client.publicClient.waitForTransactionReceipt({ hash });
    return hash;
  } catch (error) {
    const revert = decodeRevert(error);
    if (revert !== undefined) fail(`${explainError(revert.errorName, revert.args)} (${revert.errorName})`);
    throw error;
  }
}

/** Sends a ProviderRegistry transaction as a registrar (the network's first account). */
function sendRegistrarTransaction(
  hre: HardhatRuntimeEnvironment,
  functionName: "registerProvider" | "suspendProvider" | "reinstateProvider" | "setEmergencyCapable",
  args: readonly unknown[],
): Promise<Hex> {
  return sendAdminTransaction(hre, "ProviderRegistry", functionName, args);
}

task("provider:register", "Registers a provider (registrar role)")
  .addParam("address", "Provider address")
  .addParam("kind", "clinician | organization | laboratory | researcher | payer (or 0-4)")
  .addParam("name", "Public name, 1-64 bytes")
  .addParam(
    "credential",
    "Credential hash (0x + 64 hex digits), or a credential reference that is hashed with keccak256",
  )
  .setAction(
    cliAction(async (args: { address: string; kind: string; name: string; credential: string }, hre) => {
      const provider = address("address", args.address);
      const kind = parsed(() => parseProviderKind(args.kind));
      const credentialHash =
        isHex(args.credential) && args.credential.length === 66 ? args.credential : keccak256(toHex(args.credential));
      const hash = await sendRegistrarTransaction(hre, "registerProvider", [provider, kind, args.name, credentialHash]);
      console.log(`registered ${args.name} (${provider}) with credential hash ${credentialHash} in ${hash}`);
    }),
  );

task("provider:suspend", "Suspends an active provider: every access it has ends at once (registrar role)")
  .addParam("address", "Provider address")
  .setAction(
    cliAction(async (args: { address: string }, hre) => {
      const provider = address("address", args.address);
      const hash = await sendRegistrarTransaction(hre, "suspendProvider", [provider]);
      console.log(`suspended ${provider} in ${hash}`);
    }),
  );

task("provider:reinstate", "Reinstates a suspended provider (registrar role)")
  .addParam("address", "Provider address")
  .setAction(
    cliAction(async (args: { address: string }, hre) => {
      const provider = address("address", args.address);
      const hash = await sendRegistrarTransaction(hre, "reinstateProvider", [provider]);
      console.log(`reinstated ${provider} in ${hash}`);
    }),
  );

task("provider:emergency", "Grants or removes a provider's emergency (break-glass) capability (registrar role)")
  .addParam("address", "Provider address")
  .addParam("capable", "true or false", undefined, types.boolean)
  .setAction(
    cliAction(async (args: { address: string; capable: boolean }, hre) => {
      const provider = address("address", args.address);
      const hash = await sendRegistrarTransaction(hre, "setEmergencyCapable", [provider, args.capable]);
      console.log(`${provider} is ${args.capable ? "now" : "no longer"} emergency-capable (${hash})`);
    }),
  );

task("gateway:authorize", "Grants (or with --revoke, revokes) a gateway's right to anchor disclosure batches (admin)")
  .addParam("gateway", "The gateway's account address")
  .addFlag("revoke", "Revoke the role instead of granting it")
  .setAction(
    cliAction(async (args: { gateway: string; revoke: boolean }, hre) => {
      const gateway = address("gateway", args.gateway);
      const client = await clientFor(hre);
      const disclosureLog = { address: client.addresses.disclosureLog, abi: client.abis.DisclosureLog } as const;
      const role = await client.publicClient.readContract({ ...disclosureLog, functionName: "GATEWAY_ROLE" });
      const holds = await client.publicClient.readContract({
        ...disclosureLog,
        functionName: "hasRole",
        args: [role, gateway],
      });
      // Idempotent, so a deployment script can run it every time.
      if (holds !== args.revoke) {
        console.log(`${gateway} ${holds ? "already may" : "already may not"} anchor disclosure batches; nothing sent`);
        return;
      }
      const hash = await sendAdminTransaction(hre, "DisclosureLog", args.revoke ? "revokeRole" : "grantRole", [
        role,
        gateway,
      ]);
      console.log(`${gateway} ${args.revoke ? "may no longer" : "may now"} anchor disclosure batches (${hash})`);
    }),
  );

/** A 32-byte hex secret from the environment or Hardhat's vars, or a plain CLI error naming it. */
function hexSecret(name: string): Hex {
  const value = readSecret(name)?.trim();
  if (value === undefined) fail(`Set ${name} (npx hardhat vars set ${name}, or export ${name}=0x…).`);
  const hex = value.startsWith("0x") ? value : `0x${value}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) fail(`${name} is not a 32-byte hex key.`);
  return hex as Hex;
}

task(
  "gateway:publish-escrow-key",
  "Publishes the gateway's emergency escrow key (GATEWAY_ESCROW_KEY) on the KeyDirectory, from the gateway's account",
).setAction(
  cliAction(async (_args: Record<string, never>, hre) => {
    // Sent by the gateway's own account (GATEWAY_PRIVATE_KEY): a KeyDirectory entry can only be set by its owner, and
    // portals wrap escrow copies only for the key published under the address the gateway announces.
    const account = privateKeyToAccount(hexSecret("GATEWAY_PRIVATE_KEY"));
    const escrowKey = hexToBytes(hexSecret("GATEWAY_ESCROW_KEY"));
    const publicKey = publicKeyToHex(x25519.getPublicKey(escrowKey));
    const client = await clientFor(hre);
    const keyDirectory = { address: client.addresses.keyDirectory, abi: client.abis.KeyDirectory } as const;
    const published = await client.publicClient.readContract({
      ...keyDirectory,
      functionName: "encryptionKeyOf",
      args: [account.address],
    });
    if (published.toLowerCase() === publicKey.toLowerCase()) {
      console.log(`${account.address} already publishes the escrow key ${publicKey}; nothing sent`);
      return;
    }
    const wallet = createWalletClient({ account, transport: custom(hre.network.provider) });
    const { request } = await client.publicClient.simulateContract({
      ...keyDirectory,
      functionName: "setEncryptionKey",
      args: [publicKey],
      account,
    });
    const hash = await wallet.writeContract({ ...request, chain: null });
    await client.publicClient.waitForTransactionReceipt({ hash });
    console.log(`${account.address} now publishes the emergency escrow key ${publicKey} (${hash})`);
    if (published !== "0x0000000000000000000000000000000000000000000000000000000000000000") {
      console.log(
        "It replaced another key: escrow copies made for the old key no longer open; patients must prepare again.",
      );
    }
  }),
);
