// An injected EIP-1193 wallet for browser tests, announced through EIP-6963 like MetaMask or Rabby. The page gets a
// thin provider object; every request crosses into Node (page.exposeFunction), where a local test key signs and reads
// go to the chain node. The test decides which account is connected, which chain the wallet is on, and whether the
// "user" rejects the next prompt.
import type { Page } from "playwright-core";
import { createWalletClient, hexToString, http, isHex, numberToHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { parseSiweMessage } from "viem/siwe";

export interface TestWallet {
  /** Use this private key from now on (emits accountsChanged). */
  useAccount(privateKey: Hex): Promise<void>;
  /** The chain the wallet reports; a chain other than the app's triggers its switch prompt. */
  setChainId(chainId: number): Promise<void>;
  /** The next signing or sending prompt is refused by the "user" (EIP-1193 error 4001). */
  rejectNext(): void;
  /** Methods the page asked for, in order (for assertions). */
  calls: string[];
  /** The texts signed with personal_sign (e.g. Sign-In with Ethereum messages), in order. */
  signedMessages: string[];
  /** The primary types signed with eth_signTypedData_v4 (e.g. "EncryptionKey", "GrantConsent"), in order. */
  signedTypes: string[];
}

const SIGNING = new Set(["eth_sendTransaction", "eth_signTypedData_v4", "personal_sign"]);

export async function installTestWallet(page: Page, rpcUrl: string, privateKey: Hex): Promise<TestWallet> {
  let account = privateKeyToAccount(privateKey);
  let chainId: number = hardhat.id;
  let rejectNext = false;
  // Like a real wallet, it shows no account to a site until the site asks and the user connects.
  let authorized = false;
  const calls: string[] = [];
  const signedMessages: string[] = [];
  const signedTypes: string[] = [];
  const client = () => createWalletClient({ account, chain: { ...hardhat, id: chainId }, transport: http(rpcUrl) });

  async function forward(method: string, params: unknown[]): Promise<unknown> {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = await response.json();
    if (body.error)
      throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
    return body.result;
  }

  async function handle(method: string, params: unknown[]): Promise<unknown> {
    calls.push(method);
    if (SIGNING.has(method) && rejectNext) {
      rejectNext = false;
      throw Object.assign(new Error("User rejected the request."), { code: 4001 });
    }
    switch (method) {
      case "eth_requestAccounts":
        authorized = true;
        return [account.address];
      case "eth_accounts":
        return authorized ? [account.address] : [];
      case "wallet_requestPermissions":
        authorized = true;
        return [{ parentCapability: "eth_accounts" }];
      case "eth_chainId":
        return numberToHex(chainId);
      case "wallet_switchEthereumChain": {
        chainId = Number((params[0] as { chainId: string }).chainId);
        await page.evaluate((id) => window.__testWalletEmit("chainChanged", id), numberToHex(chainId));
        return null;
      }
      case "eth_sendTransaction": {
        const tx = params[0] as { to: Hex; data?: Hex; value?: Hex; gas?: Hex };
        return client().sendTransaction({
          to: tx.to,
          data: tx.data,
          value: tx.value ? BigInt(tx.value) : undefined,
          gas: tx.gas ? BigInt(tx.gas) : undefined,
        });
      }
      case "eth_signTypedData_v4": {
        const typed = JSON.parse(params[1] as string);
        const { EIP712Domain: _domainType, ...types } = typed.types;
        signedTypes.push(typed.primaryType);
        return account.signTypedData({
          domain: typed.domain,
          types,
          primaryType: typed.primaryType,
          message: typed.message,
        });
      }
      case "personal_sign": {
        const raw = params[0] as Hex;
        const text = isHex(raw) ? hexToString(raw) : String(raw);
        checkSignInOrigin(text, page.url());
        signedMessages.push(text);
        return account.signMessage({ message: { raw } });
      }
      default:
        return forward(method, params);
    }
  }

  await page.exposeFunction("__testWalletRequest", async (method: string, params: unknown[]) => {
    try {
      return { result: await handle(method, params ?? []) };
    } catch (error) {
      const e = error as { message: string; code?: number; data?: unknown };
      return { error: { message: e.message, code: e.code ?? -32603, data: e.data } };
    }
  });

  await page.addInitScript(() => {
    const listeners = new Map<string, Set<(value: unknown) => void>>();
    const provider = {
      isTestWallet: true,
      async request({ method, params }: { method: string; params?: unknown[] }) {
        const reply = await window.__testWalletRequest(method, params ?? []);
        if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
        return reply.result;
      },
      on(event: string, listener: (value: unknown) => void) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(listener);
      },
      removeListener(event: string, listener: (value: unknown) => void) {
        listeners.get(event)?.delete(listener);
      },
    };
    window.__testWalletEmit = (event: string, value: unknown) => listeners.get(event)?.forEach((l) => l(value));
    const info = {
      uuid: "8c4a5e0a-1c2b-4d8e-9f00-0a1b2c3d4e5f",
      name: "Test Wallet",
      icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'/%3E",
      rdns: "org.medconsent.testwallet",
    };
    const announce = () =>
      window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  });

  return {
    calls,
    signedMessages,
    signedTypes,
    async useAccount(key) {
      account = privateKeyToAccount(key);
      await page.evaluate((address) => window.__testWalletEmit("accountsChanged", [address]), account.address);
    },
    async setChainId(id) {
      chainId = id;
      await page.evaluate((hex) => window.__testWalletEmit("chainChanged", hex), numberToHex(id));
    },
    rejectNext() {
      rejectNext = true;
    },
  };
}

/**
 * Like a real wallet (MetaMask, Rabby), refuses a Sign-In with Ethereum message whose domain or URI is not the page
 * that asks: the portal must build its message from its own origin, or the gateway's domain check is never exercised.
 */
function checkSignInOrigin(text: string, pageUrl: string): void {
  const siwe = parseSiweMessage(text);
  if (siwe.domain === undefined) return;
  const page = new URL(pageUrl);
  if (siwe.domain !== page.host || (siwe.uri !== undefined && new URL(siwe.uri).origin !== page.origin)) {
    throw new Error(`Sign-in message for ${siwe.domain} (${siwe.uri}) asked by ${page.origin}: refused.`);
  }
}

declare global {
  interface Window {
    __testWalletRequest(
      method: string,
      params: unknown[],
    ): Promise<{ result?: unknown; error?: { message: string; code: number; data?: unknown } }>;
    __testWalletEmit(event: string, value: unknown): void;
  }
}
