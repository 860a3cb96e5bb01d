// What a passkey account's wallet does, loaded with its first signature (dynamic import from the connector), so the
// WebAuthn, ERC-7739 and ABI-encoding code stays out of every page's first load: each signature is one passkey
// prompt, preceded by its plain words; a transaction becomes the account's signed execution, which the gateway relays
// and pays for.
import {
  createClient,
  encodeFunctionData,
  getAddress,
  hexToString,
  http,
  isHex,
  serializeErc6492Signature,
  stringToHex,
  type Address,
  type Hash,
  type Hex,
  type TypedDataDefinition,
} from "viem";
import { getBlock, getCode, readContract, waitForTransactionReceipt } from "viem/actions";
import { appConfig } from "./appConfig";
import { passkeyContracts } from "./passkeyContracts";
import { gatewaySignInMessage } from "@/app/_lib/gatewaySignInMessage";
import { gateway, GatewayError, type GatewaySession } from "./gatewayClient";
import { requestApproval } from "./passkeyApproval";
import {
  describeCall,
  describeMessage,
  describeTypedData,
  granteeOf,
  type ApprovalWords,
} from "./passkeyApprovalWords";
import { portalClient } from "./portalClient";
import { rememberPasskey, storedPasskeys, type StoredPasskey } from "./passkeyStore";
import { executeRelayBody } from "@/lib/passkey/executeRelay";
import { recoverPublicKeys } from "@/lib/passkey/recoverPublicKey";
import {
  getAssertion,
  NoPrfError,
  PasskeyError,
  type CreatedPasskey,
  type PasskeyAssertion,
} from "@/lib/passkey/ceremony";
import {
  encodeCalls,
  messageChallenge,
  passkeySignature,
  passkeyTypedDataSignature,
  typedDataChallenge,
  type PasskeySignerRef,
} from "@/lib/passkey/webauthnSignature";
import { deriveEncryptionKeyPairFromPrf, publicKeyFromHex, type EncryptionKeyPair } from "@/lib/vault/encryptionKey";
import { openKeyCopy, sealKeyCopy } from "@/lib/vault/keyCopy";

/** How long a signed execution stays valid: long enough for a slow relay, short enough that a lost one dies soon. */
const EXECUTION_LIFETIME_SECONDS = 10n * 60n;

const client = createClient({ chain: appConfig.chain, transport: http(appConfig.rpcUrl, { batch: true }) });
const factory = () => passkeyContracts(appConfig.chain.id).factory;
const accountAbi = () => passkeyContracts(appConfig.chain.id).accountAbi;

let verifier: Promise<Address> | undefined;
/** The WebAuthn verifier every passkey signer names: read once from the factory's implementation. */
function webAuthnVerifier(): Promise<Address> {
  verifier ??= (async () => {
    const implementation = (await readContract(client, { ...factory(), functionName: "implementation" })) as Address;
    return (await readContract(client, {
      address: implementation,
      abi: accountAbi(),
      functionName: "webAuthnVerifier",
    })) as Address;
  })();
  verifier.catch(() => (verifier = undefined));
  return verifier;
}

async function signerOf(passkey: StoredPasskey): Promise<PasskeySignerRef> {
  return { verifier: await webAuthnVerifier(), publicKey: { x: passkey.x, y: passkey.y } };
}

/** Whether the account exists on chain yet (before the gateway deployed it, signatures go out ERC-6492-wrapped). */
export async function isDeployed(account: Address): Promise<boolean> {
  const code = await getCode(client, { address: account });
  return code !== undefined && code !== "0x";
}

/** The address the factory deploys (or deployed) the account of this passkey at. */
export function predictAccount(x: Hex, y: Hex): Promise<Address> {
  return readContract(client, { ...factory(), functionName: "predictAddress", args: [x, y] }) as Promise<Address>;
}

/** The registered name of the provider a change is about (undefined if none or unreadable: the address is shown). */
async function namesFor(grantee: Address | undefined): Promise<(address: Address) => string | undefined> {
  if (grantee === undefined) return () => undefined;
  const name = await portalClient
    .getProvider(grantee)
    .then((provider) => provider.name || undefined)
    .catch(() => undefined);
  return (address) => (address.toLowerCase() === grantee.toLowerCase() ? name : undefined);
}

/** The plain words first; the passkey prompt once the patient continues (inside that click). */
function approveAndSign(words: ApprovalWords, passkey: StoredPasskey, challenge: Hex): Promise<PasskeyAssertion> {
  return requestApproval(words, () => getAssertion({ challenge, credentialId: passkey.credentialId }));
}

/**
 * A signature of an account not yet deployed, wrapped as ERC-6492 says (the factory and its createAccount call), so
 * a verifier such as the gateway's sign-in can simulate the deployment first.
 */
async function counterfactual(passkey: StoredPasskey, signature: Hex): Promise<Hex> {
  if (await isDeployed(passkey.account)) return signature;
  return serializeErc6492Signature({
    address: factory().address,
    data: encodeFunctionData({
      abi: factory().abi,
      functionName: "createAccount",
      args: [passkey.x, passkey.y],
    }),
    signature,
  });
}

/** personal_sign: the Sign-In with Ethereum message, in the account's ERC-7739 PersonalSign envelope. */
export async function signMessage(passkey: StoredPasskey, messageHex: Hex): Promise<Hex> {
  const text = isHex(messageHex) ? hexToString(messageHex) : String(messageHex);
  const challenge = messageChallenge({ raw: messageHex }, { chainId: appConfig.chain.id, address: passkey.account });
  const [signer, assertion] = await Promise.all([
    signerOf(passkey),
    approveAndSign(describeMessage(text), passkey, challenge),
  ]);
  return counterfactual(passkey, passkeySignature(signer, assertion));
}

/** eth_signTypedData_v4 (a gas-free grant or revocation): ERC-7739 TypedDataSign, bound to this account. */
export async function signTypedData(passkey: StoredPasskey, json: string): Promise<Hex> {
  const typedData = JSON.parse(json) as TypedDataDefinition & { message: Record<string, unknown> };
  // The JSON's EIP712Domain entry is implied by the domain; viem derives it.
  const { EIP712Domain: _domain, ...types } = typedData.types as Record<string, unknown>;
  void _domain;
  const definition = { ...typedData, types } as TypedDataDefinition;
  const challenge = typedDataChallenge(definition, { chainId: appConfig.chain.id, address: passkey.account });
  const [signer, names] = await Promise.all([
    signerOf(passkey),
    namesFor(granteeOf({ typedData }, appConfig.addresses)),
  ]);
  const words = describeTypedData({ primaryType: String(typedData.primaryType), message: typedData.message }, names);
  const assertion = await approveAndSign(words, passkey, challenge);
  return passkeyTypedDataSignature(definition, signer, assertion);
}

/**
 * eth_sendTransaction: the call as the account's signed execution (one passkey prompt), relayed by the gateway, which
 * pays its gas; the relay transaction's hash.
 */
export async function sendTransaction(
  passkey: StoredPasskey,
  request: { to?: Address; data?: Hex; value?: Hex },
): Promise<Hash> {
  if (!request.to) throw new PasskeyError("A passkey account cannot deploy contracts.");
  const account = passkey.account;
  const call = { target: getAddress(request.to), value: BigInt(request.value ?? 0), data: request.data ?? "0x" };
  const executionData = encodeCalls([call]);
  const accountContract = { address: account, abi: accountAbi() };
  const [nonce, latest, signer] = await Promise.all([
    readContract(client, { ...accountContract, functionName: "nonces", args: [account] }) as Promise<bigint>,
    getBlock(client, { blockTag: "latest" }),
    signerOf(passkey),
  ]);
  const deadline = latest.timestamp + EXECUTION_LIFETIME_SECONDS;
  // The digest as the account computes it, so a domain mismatch cannot make the passkey sign something unusable.
  const challenge = (await readContract(client, {
    ...accountContract,
    functionName: "executeDigest",
    args: [executionData, nonce, deadline],
  })) as Hex;
  const names = await namesFor(granteeOf({ call: { to: call.target, data: call.data } }, appConfig.addresses));
  const words = describeCall(
    { to: call.target, data: call.data, value: call.value },
    appConfig.addresses,
    names,
    account,
  );
  const assertion = await approveAndSign(words, passkey, challenge);
  const execution = executeRelayBody({
    calls: [call],
    nonce,
    deadline,
    signature: passkeySignature(signer, assertion),
  });
  try {
    return await gateway.executeForAccount(account, execution);
  } catch (error) {
    // The relay serves only a signed-in account: sign in (one more prompt) and try once more.
    if (!(error instanceof GatewayError && error.needsSignIn)) throw error;
    await signIn(passkey);
    return gateway.executeForAccount(account, execution);
  }
}

/**
 * Sign-In with Ethereum for the passkey account (the same message the portal's useGatewaySession builds), before
 * or after its deployment: before, the signature goes out ERC-6492-wrapped.
 */
export async function signIn(passkey: StoredPasskey): Promise<GatewaySession> {
  const message = await gatewaySignInMessage(passkey.account);
  const signature = await signMessage(passkey, stringToHex(message));
  return gateway.verify(message, signature);
}

/**
 * A new patient: creates the passkey (first prompt), signs in as the account it will have (second prompt), and asks
 * the gateway to deploy it, which pays. The passkey is remembered as soon as it exists, so an interrupted setup
 * resumes with the same account.
 */
export async function createPasskeyAccount(
  created: CreatedPasskey,
  onStep: (step: string) => void,
): Promise<StoredPasskey> {
  onStep("Finding your account's address…");
  const account = await predictAccount(created.x, created.y);
  const passkey: StoredPasskey = {
    credentialId: created.credentialId,
    x: created.x,
    y: created.y,
    account,
    ...(created.prf !== undefined ? { prf: created.prf } : {}),
  };
  rememberPasskey(passkey);
  await deployAccount(passkey, onStep);
  return passkey;
}

/** Signs in and has the gateway deploy the account, unless it exists already; waits for its block. */
export async function deployAccount(passkey: StoredPasskey, onStep: (step: string) => void): Promise<void> {
  if (await isDeployed(passkey.account)) return;
  onStep("Signing in to the gateway with your passkey…");
  await signIn(passkey);
  onStep("Creating your account on the chain (MedConsent pays the fee)…");
  const created = await gateway.createAccount({ x: passkey.x, y: passkey.y, credentialId: passkey.credentialId });
  if (created.transactionHash) await waitForTransactionReceipt(client, { hash: created.transactionHash });
  for (let tries = 0; tries < 30 && !(await isDeployed(passkey.account)); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (!(await isDeployed(passkey.account))) throw new PasskeyError("The gateway has not created your account yet.");
}

/**
 * A returning patient on a browser that does not know their passkey: the device lists their MedConsent passkeys
 * (one prompt), and the gateway says which account the chosen one controls.
 */
export async function findPasskeyAccount(assertion: PasskeyAssertion, challenge: Hex): Promise<StoredPasskey> {
  const known = storedPasskeys().find((p) => p.credentialId === assertion.credentialId);
  if (known) {
    rememberPasskey(known);
    return known;
  }
  // A passkey added to an account carries the account as its user handle; its public key is recovered from the
  // signature and must be one of the account's passkeys.
  if (assertion.userHandle !== undefined && assertion.userHandle.length === 42) {
    const account = getAddress(assertion.userHandle);
    for (const key of recoverPublicKeys(assertion, challenge)) {
      if (await isPasskeyOf(account, key.x, key.y)) {
        const passkey: StoredPasskey = { credentialId: assertion.credentialId, ...key, account };
        rememberPasskey(passkey);
        return passkey;
      }
    }
  }
  const found = await gateway.accountOfCredential(assertion.credentialId);
  if (found === null) {
    throw new PasskeyError(
      "MedConsent knows no account for this passkey. If you created it on another device and setup did not finish, " +
        "finish it there, or create a new passkey account.",
    );
  }
  const passkey: StoredPasskey = {
    credentialId: assertion.credentialId,
    x: found.x,
    y: found.y,
    account: found.account,
  };
  rememberPasskey(passkey);
  return passkey;
}

/**
 * The account's encryption key from its passkey's PRF output: one passkey prompt over a random challenge (the
 * signature is not used). Throws PasskeyError with `noPrf` when this authenticator has no PRF.
 */
export async function unlockEncryptionKey(
  passkey: StoredPasskey,
  publishedKey: Hex | null = null,
): Promise<EncryptionKeyPair> {
  const challenge =
    `0x${Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("")}` as Hex;
  const assertion = await requestApproval(
    {
      title: "Unlock your encryption key",
      details: [
        "Your passkey gives this tab the key that opens your records. It stays in this tab's memory only.",
        "This does not send a transaction or cost anything.",
      ],
    },
    () => getAssertion({ challenge, credentialId: passkey.credentialId, prf: true }),
  );
  if (assertion.prfOutput === undefined) {
    rememberPasskey({ ...passkey, prf: false });
    throw new NoPrfError();
  }
  if (passkey.prf !== true) rememberPasskey({ ...passkey, prf: true });
  const derived = deriveEncryptionKeyPairFromPrf(assertion.prfOutput, passkey.account);
  if (publishedKey === null || publishedKey.toLowerCase() === derived.publicKeyHex.toLowerCase()) return derived;
  // A passkey added from another device derives another key than the published one: open the copy of the account's
  // key that device sealed for this passkey (only this passkey's PRF output opens it).
  const copy = await withSession(passkey, () => gateway.keyCopy(passkey.account, passkey.credentialId));
  if (copy === null) throw new PasskeyError(MISSING_KEY_COPY_MESSAGE);
  return openKeyCopy(copy, assertion.prfOutput, passkey.account, passkey.credentialId, publicKeyFromHex(publishedKey));
}

export const MISSING_KEY_COPY_MESSAGE =
  "This passkey was added without a copy of your encryption key: open your records on the device where you first " +
  "set up your account, or add this device again from there.";

/** A gateway call that needs the account's session: on 401, sign in (one more prompt) and try once more. */
async function withSession<T>(passkey: StoredPasskey, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof GatewayError && error.needsSignIn)) throw error;
    await signIn(passkey);
    return call();
  }
}

/**
 * Seals the account's unlocked encryption key for a passkey just created for it and stores the copy at the gateway,
 * so that passkey opens the records on its own device. The new passkey's PRF output comes from the creation itself
 * when the authenticator gave it, otherwise from one prompt of that passkey. "no-prf": it has no PRF, nothing stored.
 */
export async function storeKeyCopyFor(
  passkey: StoredPasskey,
  keyPair: EncryptionKeyPair,
  created: CreatedPasskey,
): Promise<"stored" | "no-prf"> {
  let prfOutput = created.prfOutput;
  if (prfOutput === undefined && created.prf !== false) {
    const challenge =
      `0x${Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("")}` as Hex;
    const assertion = await requestApproval(
      {
        title: "Give your new passkey a copy of your encryption key",
        details: [
          "Use the passkey you just added, once more: its answer seals your encryption key so that it opens your " +
            "records on its own device. The key is sealed in this tab; MedConsent stores it sealed and cannot open it.",
          "This does not send a transaction or cost anything.",
        ],
      },
      () => getAssertion({ challenge, credentialId: created.credentialId, prf: true }),
    );
    prfOutput = assertion.prfOutput;
  }
  if (prfOutput === undefined) return "no-prf";
  const copy = await sealKeyCopy(keyPair.secretKey, prfOutput, passkey.account, created.credentialId);
  await withSession(passkey, () => gateway.putKeyCopy(passkey.account, created.credentialId, copy));
  return "stored";
}

/** Whether the passkey (x, y) controls `account` (false when the account does not exist). */
export async function isPasskeyOf(account: Address, x: Hex, y: Hex): Promise<boolean> {
  if (!(await isDeployed(account))) return false;
  return (await readContract(client, {
    address: account,
    abi: accountAbi(),
    functionName: "isPasskey",
    args: [x, y],
  })) as boolean;
}

/** The passkeys that control the account (its ERC-7913 signers: verifier ‖ x ‖ y), for the passkey list. */
export async function passkeysOf(account: Address): Promise<{ x: Hex; y: Hex }[]> {
  const signers = (await readContract(client, {
    address: account,
    abi: accountAbi(),
    functionName: "getSigners",
    args: [0n, 64n],
  })) as Hex[];
  // verifier (20 bytes) ‖ x (32) ‖ y (32)
  return signers
    .filter((signer) => signer.length === 2 + 2 * 84)
    .map((signer) => ({ x: `0x${signer.slice(42, 106)}` as Hex, y: `0x${signer.slice(106)}` as Hex }));
}

/** The account's recovery delegate, or null when it names none. */
export async function recoveryDelegateOf(account: Address): Promise<Address | null> {
  const delegate = (await readContract(client, {
    address: account,
    abi: accountAbi(),
    functionName: "recoveryDelegate",
  })) as Address;
  return /^0x0{40}$/.test(delegate) ? null : delegate;
}

/** A recovery the account's delegate started and no passkey has cancelled yet. */
export interface PendingRecovery {
  /** The passkey it adds. */
  x: Hex;
  y: Hex;
  /** The second (chain time) from which anyone can finish it. */
  readyAt: number;
}

/** The account's pending recovery (its delegate is the account's recovery delegate), or null when none is pending. */
export async function pendingRecoveryOf(account: Address): Promise<PendingRecovery | null> {
  const [x, y, readyAt] = (await readContract(client, {
    address: account,
    abi: accountAbi(),
    functionName: "pendingRecovery",
  })) as [Hex, Hex, number];
  // null, not undefined: a query's answer "none" must be a value, or React Query keeps the previous answer.
  return Number(readyAt) === 0 ? null : { x, y, readyAt: Number(readyAt) };
}

/** The account's ABI, for the passkey-management writes the dashboard sends through the connector. */
export const patientAccountAbi = accountAbi;
