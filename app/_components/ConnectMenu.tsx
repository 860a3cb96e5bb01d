"use client";
// The connect menu: browser wallets discovered through EIP-6963, a passkey account for patients without a wallet, and
// on the local chain the demo accounts.
import { useState, useSyncExternalStore } from "react";
import { useConnect, useConnection, useConnectors, useDisconnect, type Connector } from "wagmi";
import { DEMO_CONNECTOR_TYPE } from "@/app/_lib/demoConnector";
import { PASSKEY_CONNECTOR_TYPE } from "@/app/_lib/passkeyConnector";
import { PasskeyApprovalDialog } from "./PasskeyApprovalDialog";
import { PasskeyPanel } from "./PasskeyPanel";
import { shortAddress } from "@/lib/format";

const noSubscription = () => () => {};

export function ConnectMenu() {
  const { address, connector, status } = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const [open, setOpen] = useState(false);
  // Marks the button once React has hydrated it, so automated tests (and nothing else) know a click will register.
  const hydrated = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );

  const wallets = connectors.filter((c) => c.type !== DEMO_CONNECTOR_TYPE && c.type !== PASSKEY_CONNECTOR_TYPE);
  const demos = connectors.filter((c) => c.type === DEMO_CONNECTOR_TYPE);
  const choose = (chosen: Connector) => {
    setOpen(false);
    connect.mutate({ connector: chosen });
  };

  if (status === "connected" && address) {
    return (
      <div className="menu">
        <span className="mono" title={address}>
          {connector?.type === DEMO_CONNECTOR_TYPE ? <span className="demo-badge">demo</span> : null}
          {connector?.type === PASSKEY_CONNECTOR_TYPE ? <span className="demo-badge">passkey</span> : null}{" "}
          {connector?.type === DEMO_CONNECTOR_TYPE ? connector.name : shortAddress(address)}
        </span>{" "}
        <button type="button" onClick={() => disconnect.mutate({})}>
          Disconnect
        </button>
        <PasskeyApprovalDialog />
      </div>
    );
  }

  return (
    <div className="menu">
      <button
        type="button"
        className="primary"
        aria-expanded={open}
        aria-controls="connect-menu"
        data-hydrated={hydrated || undefined}
        onClick={() => setOpen(!open)}
      >
        {status === "connecting" || status === "reconnecting" ? "Connecting…" : "Connect"}
      </button>
      {open ? (
        <div id="connect-menu" className="menu-panel" role="dialog" aria-label="Connect a wallet">
          <h2>No wallet</h2>
          <PasskeyPanel onConnected={() => setOpen(false)} />
          <h2>Browser wallets</h2>
          <ul>
            {wallets.map((c) => (
              <li key={c.uid}>
                <button type="button" onClick={() => choose(c)}>
                  {c.name === "Injected" ? "Browser wallet" : c.name}
                </button>
              </li>
            ))}
          </ul>
          {demos.length > 0 ? (
            <>
              <h2>
                Demo accounts <span className="demo-badge">local chain only</span>
              </h2>
              <ul>
                {demos.map((c) => (
                  <li key={c.uid}>
                    <button type="button" onClick={() => choose(c)}>
                      {c.name}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
      <PasskeyApprovalDialog />
      {connect.error ? (
        <p role="alert" className="notice error">
          {connectErrorText(connect.error)}
        </p>
      ) : null}
    </div>
  );
}

function connectErrorText(error: Error): string {
  if ((error as { code?: number }).code === 4001 || error.name === "UserRejectedRequestError") {
    return "You closed the wallet without connecting. Nothing changed.";
  }
  return `The wallet could not connect: ${(error as { shortMessage?: string }).shortMessage ?? error.message}`;
}
