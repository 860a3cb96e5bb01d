// Passkey accounts for patients without a wallet: the sponsored deployment of a passkey's PatientAccount (once per
// passkey, within the relay's quotas and gas budget), the credential-id lookup a returning patient's new browser
// needs, and the relay of the account's own passkey-signed batch (executeBySig) to MedConsent's contracts only.
import "server-only";
import { getAddress, toFunctionSelector, type Address, type Hash, type Hex } from "viem";
import { encodeCalls, type AccountCall } from "@/lib/passkey/webauthnSignature";
import type { MedConsentAddresses } from "@/lib/consentClient";
import type { Gateway } from "@/server/gateway/context";
import type { Session } from "@/server/gateway/auth/sessions";
import { chainUnavailable, forbidden, GatewayError, notFound } from "@/server/gateway/http/errors";
import { relayerNotConfigured, sendSponsored } from "@/server/gateway/relay/relay";
import { deploymentClientOf, RELAYED } from "@/server/gateway/relay/relayQuota";
import { accountContracts } from "./accountContracts";
import type { AccountRegistration, Passkey, SignedExecution } from "./accountRequest";

/** A deployment a request started sending is left to it this long; after that (a crash) another request may retry. */
const DEPLOYMENT_CLAIM_MS = 60_000;
/** How long POST /api/accounts waits for the deployment's receipt before answering 202 with its hash. */
const DEPLOYMENT_WAIT_MS = 30_000;

/**
 * What an account may call through the sponsor, besides MedConsent's ConsentRegistry, RecordRegistry and
 * KeyDirectory: its own passkey management, including cancelling a recovery its delegate started. Never its own
 * executeBySig or ERC-7821 execute, whose inner calls would escape this list; nor startRecovery or finishRecovery,
 * which are the delegate's calls (or anyone's), never the account's own.
 */
const ACCOUNT_SELF_CALLS = [
  "addPasskey(bytes32,bytes32)",
  "removePasskey(bytes32,bytes32)",
  "setRecoveryDelegate(address)",
  "cancelRecovery()",
];
const SELF_SELECTORS = new Set(ACCOUNT_SELF_CALLS.map((signature) => toFunctionSelector(signature)));

interface AccountRow {
  account: string;
  x: string;
  y: string;
  credential_id: string;
  deployment_tx: string | null;
  deployment_claimed_at: number | string | null;
  deployed_at: number | string | null;
}

async function chainRead<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    console.error(`gateway: ${what} could not be read from the chain:`, error);
    throw chainUnavailable();
  }
}

/** The address PatientAccountFactory deploys (or deployed) the passkey's account at. */
export async function predictAccount(gateway: Gateway, key: Passkey): Promise<Address> {
  const { factory, factoryAbi } = accountContracts(gateway.config.chainId);
  const address = await chainRead("predictAddress", () =>
    gateway.consentClient.publicClient.readContract({
      address: factory,
      abi: factoryAbi,
      functionName: "predictAddress",
      args: [key.x, key.y],
    }),
  );
  return getAddress(address as Address);
}

const isDeployed = async (gateway: Gateway, account: Address) =>
  ((await chainRead("the account's code", () => gateway.consentClient.publicClient.getCode({ address: account }))) ??
    "0x") !== "0x";

async function accountRow(gateway: Gateway, account: Address): Promise<AccountRow | undefined> {
  const rows = await gateway.db.query<AccountRow>("SELECT * FROM passkey_accounts WHERE account = $1", [account]);
  return rows[0];
}

/** Records the passkey's account and credential id (public data only); 409 when the credential id names another key. */
async function recordAccount(gateway: Gateway, account: Address, registration: AccountRegistration, now: number) {
  const taken = await gateway.db.query<{ account: string }>(
    "SELECT account FROM passkey_accounts WHERE credential_id = $1 AND account <> $2",
    [registration.credentialId, account],
  );
  if (taken.length > 0) {
    throw new GatewayError(
      409,
      "credential_id_taken",
      "Another passkey's account is already registered under this credential id. Credential ids are random: check " +
        "that you sent your own passkey's id.",
    );
  }
  await gateway.db.query(
    `INSERT INTO passkey_accounts (account, x, y, credential_id, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account) DO NOTHING`,
    [account, registration.x, registration.y, registration.credentialId, now],
  );
}

export type DeploymentAnswer =
  | { status: 201; body: { account: Address; transactionHash: Hash; deployed: true } }
  | { status: 200; body: { account: Address; deployed: true } }
  | { status: 202; body: { account: Address; transactionHash: Hash; deployed: false } };

/** Whether a deployment the gateway sent earlier may still land (pending or mined): then none is sent again. */
async function deploymentAlive(gateway: Gateway, hash: Hash): Promise<boolean> {
  const { publicClient } = gateway.consentClient;
  const receipt = await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
  if (receipt !== undefined) return receipt.status === "success";
  return (await publicClient.getTransaction({ hash }).catch(() => undefined)) !== undefined;
}

/**
 * POST /api/accounts: deploys the signed-in passkey account, paid by the relayer, once per passkey. The session must
 * be the predicted (counterfactual) address itself, signed in with an ERC-6492 signature, so only the passkey's holder
 * can ask, and each deployment counts against the relay's quotas, its gas budget, the day's deployment cap and that
 * of `clientIp` (the rate limiter's client address). An account already deployed or on its way counts nothing.
 */
export async function deployAccount(
  gateway: Gateway,
  session: Session,
  registration: AccountRegistration,
  clientIp: string,
  now = Date.now(),
): Promise<DeploymentAnswer> {
  const { factory, factoryAbi } = accountContracts(gateway.config.chainId);
  const clientKey = gateway.config.deploymentClientKey;
  if (gateway.relayerClient === undefined || clientKey === undefined) throw relayerNotConfigured();
  const account = await predictAccount(gateway, registration);
  if (session.address !== account) {
    throw forbidden(
      `You are signed in as ${session.address}, and this passkey's account is ${account}: sign in with this passkey ` +
        "(its account's address, before or after deployment) to set it up.",
      "not_your_account",
    );
  }
  await recordAccount(gateway, account, registration, now);
  if (await isDeployed(gateway, account)) {
    await gateway.db.query("UPDATE passkey_accounts SET deployed_at = $2 WHERE account = $1 AND deployed_at IS NULL", [
      account,
      now,
    ]);
    return { status: 200, body: { account, deployed: true } };
  }
  const row = (await accountRow(gateway, account))!;
  if (row.deployment_tx !== null && (await deploymentAlive(gateway, row.deployment_tx as Hash))) {
    return { status: 202, body: { account, transactionHash: row.deployment_tx as Hash, deployed: false } };
  }
  // One request at a time sends it: the claim is taken in the database, so two processes never pay twice.
  const claimed = await gateway.db.query<{ account: string }>(
    `UPDATE passkey_accounts SET deployment_claimed_at = $2, deployment_tx = NULL
       WHERE account = $1 AND (deployment_claimed_at IS NULL OR deployment_claimed_at < $3)
         AND deployment_tx IS NOT DISTINCT FROM $4
       RETURNING account`,
    [account, now, now - DEPLOYMENT_CLAIM_MS, row.deployment_tx],
  );
  if (claimed.length === 0) {
    throw new GatewayError(
      409,
      "deployment_in_progress",
      "Your account is being set up by another request right now. Try again in a few seconds.",
      { headers: { "Retry-After": "5" } },
    );
  }
  let hash: Hash;
  try {
    ({ hash } = await sendSponsored(
      gateway,
      account,
      { address: factory, abi: factoryAbi, functionName: "createAccount", args: [registration.x, registration.y] },
      { kind: "deployment", client: deploymentClientOf(clientKey, clientIp) },
      now,
    ));
  } catch (error) {
    await gateway.db.query("UPDATE passkey_accounts SET deployment_claimed_at = NULL WHERE account = $1", [account]);
    throw error;
  }
  await gateway.db.query(
    "UPDATE passkey_accounts SET deployment_tx = $2, deployment_claimed_at = NULL WHERE account = $1",
    [account, hash],
  );
  const receipt = await gateway.consentClient.publicClient
    .waitForTransactionReceipt({ hash, timeout: DEPLOYMENT_WAIT_MS, pollingInterval: 250 })
    .catch(() => undefined);
  if (receipt === undefined) return { status: 202, body: { account, transactionHash: hash, deployed: false } };
  if (receipt.status !== "success") {
    throw new GatewayError(
      503,
      "relay_failed",
      `The deployment of your account reverted on chain (${hash}). Try again shortly.`,
    );
  }
  await gateway.db.query("UPDATE passkey_accounts SET deployed_at = $2 WHERE account = $1", [account, Date.now()]);
  return { status: 201, body: { account, transactionHash: hash, deployed: true } };
}

/** GET /api/accounts?credentialId=…: the account and public key registered under a passkey's credential id. */
export async function findAccountByCredential(gateway: Gateway, credentialId: string) {
  const rows = await gateway.db.query<AccountRow>("SELECT * FROM passkey_accounts WHERE credential_id = $1", [
    credentialId,
  ]);
  if (rows.length === 0) {
    throw notFound("account_not_found", "No passkey account is registered under this credential id.");
  }
  return { account: getAddress(rows[0].account), x: rows[0].x as Hex, y: rows[0].y as Hex };
}

/** Why the sponsor refuses `call` from `account`, or undefined when it is one of MedConsent's own. */
export function callProblem(
  addresses: MedConsentAddresses,
  account: Address,
  call: AccountCall,
  index: number,
): string | undefined {
  const { consentRegistry, recordRegistry, keyDirectory } = addresses;
  const where = `Call ${index + 1} (to ${call.target})`;
  if (call.value !== 0n) return `${where} sends value: the gas-free relay sends no value.`;
  if (call.target === account) {
    const selector = call.data.slice(0, 10).toLowerCase();
    return SELF_SELECTORS.has(selector as Hex)
      ? undefined
      : `${where} calls your account itself with something other than passkey management ` +
          `(${ACCOUNT_SELF_CALLS.map((s) => s.split("(")[0]).join(", ")}).`;
  }
  if ([consentRegistry, recordRegistry, keyDirectory].some((a) => getAddress(a) === call.target)) return undefined;
  return (
    `${where} is not to one of MedConsent's contracts (ConsentRegistry, RecordRegistry, KeyDirectory) or your ` +
    "account's passkey management: the gas-free relay pays only for those. Send it from a wallet of your own."
  );
}

/**
 * POST /api/accounts/{account}/execute: relays the signed-in account's passkey-signed batch (executeBySig), within the
 * relay's quotas and gas budget, if every call is to MedConsent's own contracts; the simulation refuses a bad
 * signature, nonce or deadline (422 with the contract's error) before anything is sent.
 */
export async function executeForAccount(
  gateway: Gateway,
  session: Session,
  account: Address,
  execution: SignedExecution,
  now = Date.now(),
): Promise<{ transactionHash: Hash }> {
  const { accountAbi } = accountContracts(gateway.config.chainId);
  if (session.address !== account) {
    throw forbidden(
      `You are signed in as ${session.address}, not ${account}: the gas-free relay sends only the signed-in ` +
        "account's own changes.",
      "not_your_account",
    );
  }
  const problems = execution.calls
    .map((call, i) => callProblem(gateway.config.addresses, account, call, i))
    .filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw forbidden(problems.join(" "), "call_not_allowed");
  // Only an account the factory made from a registered passkey: a look-alike contract with an executeBySig of its
  // own could do anything with the relayer's gas once simulated.
  const row = await accountRow(gateway, account);
  if (row === undefined || (await predictAccount(gateway, { x: row.x as Hex, y: row.y as Hex })) !== account) {
    throw new GatewayError(
      409,
      "account_not_registered",
      "This account was not set up through this gateway: POST /api/accounts with its passkey first.",
    );
  }
  if (!(await isDeployed(gateway, account))) {
    throw new GatewayError(
      409,
      "account_not_deployed",
      "Your account is not deployed yet: set it up first (POST /api/accounts), then send this again.",
    );
  }
  const { hash } = await sendSponsored(
    gateway,
    account,
    {
      address: account,
      abi: accountAbi,
      functionName: "executeBySig",
      args: [encodeCalls(execution.calls), execution.nonce, execution.deadline, execution.signature],
    },
    RELAYED,
    now,
  );
  return { transactionHash: hash };
}
