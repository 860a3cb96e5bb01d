"use client";
// The notice beside a list the indexer answered: "updating…" while it is behind the chain, or that the list was read
// from the chain directly because the indexer did not answer.
import type { ListFreshness } from "@/app/_hooks/useListFreshness";

export function ListFreshnessNotice({ freshness }: { freshness: ListFreshness }) {
  if (freshness.kind === "current") return null;
  if (freshness.kind === "updating") {
    const behind = freshness.head - freshness.currentTo;
    return (
      <p className="notice updating" role="status" data-testid="list-updating">
        Updating… this list is {String(behind)} {behind === 1n ? "block" : "blocks"} behind the chain and may not show
        the newest changes yet.
      </p>
    );
  }
  return (
    <p className="notice warning" role="status" data-testid="list-fallback">
      The indexer is not answering, so this list was read from the chain directly (slower on a long chain).{" "}
      <span className="muted small">{freshness.reason}</span>
    </p>
  );
}
