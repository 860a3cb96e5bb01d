"use client";
// A wallet on the wrong network gets a prompt to switch, not a broken page.
import { useConnection, useSwitchChain } from "wagmi";
import { appConfig } from "@/app/_lib/appConfig";

export function NetworkGuard() {
  const { status, chainId } = useConnection();
  const switchChain = useSwitchChain();
  if (status !== "connected" || chainId === appConfig.chain.id) return null;
  return (
    <div className="banner" role="alert">
      Your wallet is on another network. MedConsent runs on <strong>{appConfig.chain.name}</strong>.{" "}
      <button
        type="button"
        className="primary"
        disabled={switchChain.isPending}
        onClick={() => switchChain.mutate({ chainId: appConfig.chain.id })}
      >
        {switchChain.isPending ? "Switching…" : `Switch to ${appConfig.chain.name}`}
      </button>
      {switchChain.error ? (
        <span className="muted"> The wallet did not switch: try from the wallet itself.</span>
      ) : null}
    </div>
  );
}
