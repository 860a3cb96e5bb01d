// "Continue with a passkey": a wagmi connector for a patient without a wallet, whose account is a PatientAccount
// controlled by the passkey. Its EIP-1193 provider answers like a wallet, so every patient flow works unchanged:
// accounts and chain id from the stored passkey; personal_sign and eth_signTypedData_v4 with a passkey signature
// (ERC-1271 / ERC-7739); eth_sendTransaction as the account's signed execution, relayed by the gateway, which pays.
// Reads go to the chain. The signing code loads with the first signature (dynamic import), not with every page.
import { createConnector } from "wagmi";
import { fromHex, getAddress, numberToHex, type Address, type EIP1193RequestFn, type Hex } from "viem";
import { PasskeyError } from "@/lib/passkey/errors";
import { currentPasskey, type StoredPasskey } from "./passkeyStore";
import { forwardToNode } from "./forwardToNode";

export const PASSKEY_CONNECTOR_TYPE = "passkey";
export const PASSKEY_CONNECTOR_ID = "passkey";
const CONNECTED_KEY = "medconsent.passkeyConnected";

const loadSigner = () => import("./passkeySigner");

export function passkeyAccount() {
  return createConnector((config) => {
    const storage = () => (typeof window === "undefined" ? undefined : window.localStorage);
    const connected = () => storage()?.getItem(CONNECTED_KEY) === "1";
    const passkey = (): StoredPasskey => {
      const stored = currentPasskey();
      if (!stored) throw new PasskeyError("Create a passkey or choose one you already have first.");
      return stored;
    };
    const accounts = (): Address[] => {
      const stored = currentPasskey();
      return connected() && stored ? [getAddress(stored.account)] : [];
    };

    return {
      id: PASSKEY_CONNECTOR_ID,
      name: "Passkey",
      type: PASSKEY_CONNECTOR_TYPE,
      async connect(parameters?: { withCapabilities?: boolean }) {
        const address = getAddress(passkey().account);
        storage()?.setItem(CONNECTED_KEY, "1");
        const chainId = await this.getChainId();
        return {
          accounts: (parameters?.withCapabilities ? [{ address, capabilities: {} }] : [address]) as never,
          chainId,
        };
      },
      async disconnect() {
        storage()?.removeItem(CONNECTED_KEY);
      },
      async getAccounts() {
        return accounts();
      },
      async getChainId() {
        return config.chains[0].id;
      },
      async isAuthorized() {
        return accounts().length > 0;
      },
      async getProvider() {
        const url = config.chains[0].rpcUrls.default.http[0];
        const request: EIP1193RequestFn = async ({ method, params }) => {
          const args = (params ?? []) as unknown[];
          switch (method) {
            case "eth_accounts":
            case "eth_requestAccounts":
              return accounts();
            case "eth_chainId":
              return numberToHex(config.chains[0].id);
            case "wallet_switchEthereumChain":
              // The account exists on the portal's chain only.
              return null;
            case "personal_sign":
              return (await loadSigner()).signMessage(passkey(), args[0] as Hex);
            case "eth_signTypedData_v4":
              return (await loadSigner()).signTypedData(passkey(), args[1] as string);
            case "eth_sendTransaction":
            case "wallet_sendTransaction":
              return (await loadSigner()).sendTransaction(
                passkey(),
                args[0] as { to?: Address; data?: Hex; value?: Hex },
              );
            case "eth_sign":
            case "eth_signTransaction":
            case "eth_sendRawTransaction":
              throw Object.assign(new PasskeyError("A passkey account does not sign raw transactions."), {
                code: 4200,
              });
          }
          return forwardToNode(url, method, params);
        };
        return { request };
      },
      onAccountsChanged(accounts) {
        if (accounts.length === 0) config.emitter.emit("disconnect");
        else config.emitter.emit("change", { accounts: accounts.map((a) => getAddress(a)) });
      },
      onChainChanged(chain) {
        config.emitter.emit("change", { chainId: fromHex(chain as `0x${string}`, "number") });
      },
      onDisconnect() {
        storage()?.removeItem(CONNECTED_KEY);
        config.emitter.emit("disconnect");
      },
    };
  });
}
