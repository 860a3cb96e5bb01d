"use client";
// Fresh and honest lists: a list the indexer answered is current to a block; while the chain is past it, the list says
// it is updating instead of passing as current, and it is read again as soon as the indexer has newer blocks.
import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import { confirmedBlockStore, hasIndexer, portalClient, type PortalListing } from "@/app/_lib/portalClient";

/** How often a page that lists things looks at the chain's head, and, while a list is behind it, at the indexer. */
export const FRESHNESS_POLL_MS = 2_000;

/**
 * The chain's latest block, polled while a list is on screen: one eth_blockNumber, batched with the page's other chain
 * reads. Idle without an indexer (a log scan reads up to the head it finds).
 */
function useChainHead() {
  return useQuery({
    queryKey: ["chainHead"],
    queryFn: () => portalClient.blockNumber(),
    enabled: hasIndexer,
    refetchInterval: FRESHNESS_POLL_MS,
  });
}

/**
 * The block the indexer has processed, polled only while some list needs it: one is behind the chain (to read it again
 * once the indexer has caught up), or came from the log scan because the indexer did not answer (to go back to it).
 * A list the indexer answered already says the block it is current to, so a current page asks the indexer nothing.
 */
function useIndexedTo(needed: boolean) {
  return useQuery({
    queryKey: ["indexedTo"],
    queryFn: () => portalClient.indexer!.status(),
    enabled: hasIndexer && needed,
    refetchInterval: FRESHNESS_POLL_MS,
    retry: false,
  });
}

export type ListFreshness =
  | { kind: "current" }
  /** The list is current to `currentTo`; the chain is at `head`: newer changes may be missing. */
  | { kind: "updating"; currentTo: bigint; head: bigint }
  /** The indexer did not answer; this list was read from the chain's logs instead. */
  | { kind: "fallback"; reason: string };

/**
 * Whether `list` is current, and a refetch when it is not and the indexer can do better. The head is the chain's (from
 * the poll) or the block of a transaction this tab confirmed, whichever is newer.
 */
export function useListFreshness<T>(list: UseQueryResult<PortalListing<T>>): ListFreshness {
  const chainHead = useChainHead().data ?? 0n;
  const confirmed = useSyncExternalStore(confirmedBlockStore.subscribe, confirmedBlockStore.get, () => 0n);
  const head = chainHead > confirmed ? chainHead : confirmed;
  const source = list.data?.source;
  const currentTo = list.data?.currentTo.blockNumber;
  const behind = source?.kind === "indexer" && currentTo !== undefined && currentTo < head;
  const indexed = useIndexedTo(behind || source?.kind === "fallback");
  const indexedTo = indexed.data?.blockNumber;
  const { refetch, isFetching, dataUpdatedAt: listReadAt } = list;
  const { dataUpdatedAt: indexerReadAt, errorUpdatedAt: indexerFailedAt, isError: indexerFailed } = indexed;

  useEffect(() => {
    if (isFetching) return;
    const stale =
      // The indexer has blocks this list was read before.
      (behind && indexedTo !== undefined && currentTo !== undefined && indexedTo > currentTo) ||
      // The indexer stopped answering since: read again (from the chain's logs).
      (behind && indexerFailed && indexerFailedAt > listReadAt) ||
      // The indexer answers again since this list was read from the logs: back to it (at most once a poll).
      (source?.kind === "fallback" && !indexerFailed && indexerReadAt > listReadAt);
    if (stale) void refetch();
  }, [
    behind,
    source,
    currentTo,
    indexedTo,
    isFetching,
    refetch,
    listReadAt,
    indexerReadAt,
    indexerFailedAt,
    indexerFailed,
  ]);

  if (source?.kind === "fallback") return { kind: "fallback", reason: source.reason };
  return behind ? { kind: "updating", currentTo: currentTo!, head } : { kind: "current" };
}
