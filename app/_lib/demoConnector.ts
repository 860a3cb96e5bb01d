// "Demo accounts": a wagmi connector for each seeded person, on the local chain only. The local Hardhat node holds the
// well-known test keys unlocked, so it signs transactions and typed data itself; nothing needs installing.
import { createConnector } from "wagmi";
import { fromHex, getAddress, numberToHex, type EIP1193RequestFn } from "viem";
import type { DemoPerson } from "@/lib/demoAccounts";
import { forwardToNode } from "./forwardToNode";

export const DEMO_CONNECTOR_TYPE = "demo";
const STORAGE_KEY = "medconsent.demoAccount";

export function demoAccount(person: DemoPerson) {
  const id = `demo-${person.index}`;
  let connected = false;

  return createConnector((config) => ({
    id,
    name: `${person.name} (${person.description})`,
    type: DEMO_CONNECTOR_TYPE,
    async connect(parameters?: { withCapabilities?: boolean }) {
      connected = true;
      globalThis.localStorage?.setItem(STORAGE_KEY, id);
      const chainId = await this.getChainId();
      const address = getAddress(person.address);
      return {
        accounts: (parameters?.withCapabilities ? [{ address, capabilities: {} }] : [address]) as never,
        chainId,
      };
    },
    async disconnect() {
      connected = false;
      if (globalThis.localStorage?.getItem(STORAGE_KEY) === id) globalThis.localStorage.removeItem(STORAGE_KEY);
    },
    async getAccounts() {
      return [getAddress(person.address)];
    },
    async getChainId() {
      return config.chains[0].id;
    },
    async isAuthorized() {
      connected = globalThis.localStorage?.getItem(STORAGE_KEY) === id;
      return connected;
    },
    async getProvider() {
      const url = config.chains[0].rpcUrls.default.http[0];
      const request: EIP1193RequestFn = async ({ method, params }) => {
        if (method === "eth_accounts" || method === "eth_requestAccounts") return connected ? [person.address] : [];
        if (method === "eth_chainId") return numberToHex(config.chains[0].id);
        return forwardToNode(url, method, params);
      };
      return { request };
    },
    onAccountsChanged() {},
    onChainChanged(chain) {
      config.emitter.emit("change", { chainId: fromHex(chain as `0x${string}`, "number") });
    },
    onDisconnect() {
      connected = false;
      config.emitter.emit("disconnect");
    },
  }));
}
