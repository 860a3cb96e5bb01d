// wagmi configuration: injected wallets (EIP-6963 discovery), passkey accounts, and demo accounts on the local chain only.
import { cookieStorage, createConfig, createStorage, http, injected } from "wagmi";
import { walletConnect } from "wagmi/connectors";
import { appConfig } from "./appConfig";
import { DEMO_PEOPLE } from "@/lib/demoAccounts";
import { demoAccount } from "./demoConnector";
import { passkeyAccount } from "./passkeyConnector";

export function getConfig() {
  return createConfig({
    chains: [appConfig.chain],
    // Injected wallets announce themselves through EIP-6963 (wagmi's multiInjectedProviderDiscovery, on by default).
    connectors: [
      injected(),
      // A patient without a wallet: a passkey account (the gateway deploys it and relays its signed executions).
      passkeyAccount(),
      // WalletConnect needs a project id and its relay on the internet: offered only when configured. Its SDK is
      // loaded on first use, so it costs the page nothing otherwise.
      ...(appConfig.walletConnectProjectId
        ? [walletConnect({ projectId: appConfig.walletConnectProjectId, showQrModal: true })]
        : []),
      ...(appConfig.isLocalChain ? DEMO_PEOPLE.map(demoAccount) : []),
    ],
    ssr: true,
    storage: createStorage({ storage: cookieStorage }),
    transports: { [appConfig.chain.id]: http(appConfig.rpcUrl) },
  });
}

declare module "wagmi" {
  interface Register {
    config: ReturnType<typeof getConfig>;
  }
}
