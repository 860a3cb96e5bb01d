"use client";
import { useConnection } from "wagmi";
import type { TransactionState } from "@/app/_hooks/useTransactor";
import { PASSKEY_CONNECTOR_TYPE } from "@/app/_lib/passkeyConnector";
import { shortAddress } from "@/lib/format";

/** The state of the last write, announced to screen readers. */
export function TransactionStatus({ state }: { state: TransactionState }) {
  const { connector } = useConnection();
  if (state.phase === "idle") return null;
  const prompt = connector?.type === PASSKEY_CONNECTOR_TYPE ? "approve with your passkey…" : "confirm in your wallet…";
  const text = (() => {
    switch (state.phase) {
      case "prompt":
        return `${state.label}: ${prompt}`;
      case "pending":
        return `${state.label}: sent (${shortAddress(state.hash)}), waiting for confirmation…`;
      case "confirmed":
        return `${state.label}: confirmed.`;
      case "failed":
        return state.failure.kind === "rejected"
          ? state.failure.message
          : `${state.label} failed: ${state.failure.message}`;
    }
  })();
  const tone =
    state.phase === "confirmed"
      ? "success"
      : state.phase === "failed" && state.failure.kind !== "rejected"
        ? "error"
        : "";
  return (
    <p className={`notice ${tone}`} role={tone === "error" ? "alert" : "status"} data-phase={state.phase}>
      {text}
    </p>
  );
}
