"use client";
// Fresh and honest lists: while the indexer is behind the chain, a list it answered is not presented as current, and
// it is read again as soon as the indexer has newer blocks.
import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import {
  confirmedBlockStore,
  hasIndexer,
  portalClient,
  type ListSource,
  type PortalListing,
} from "@/app/_lib/portalClient";

/** How often a page that lists things asks where the indexer stands (one small GraphQL and one eth_blockNumber). */
export const INDEXER_STATUS_INTERVAL_MS = 2_000;

/** Where the indexer stands against the chain's head, polled while a list is on screen; idle without an indexer. */
export function useIndexerStatus() {
  return useQuery({
    queryKey: ["indexerStatus"],
    queryFn: async () => (await portalClient.indexerStatus()) ?? null,
    enabled: hasIndexer,
    refetchInterval: INDEXER_STATUS_INTERVAL_MS,
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
 * Whether `list` is current, and, when the indexer has processed blocks the list was read before, a refetch. The head
 * is the chain's (from the status poll) or the block of a transaction this tab confirmed, whichever is newer.
 */
export function useListFreshness<T>(list: UseQueryResult<PortalListing<T>>): ListFreshness {
  const status = useIndexerStatus();
  const confirmed = useSyncExternalStore(confirmedBlockStore.subscribe, confirmedBlockStore.get, () => 0n);
  const data = list.data;
  const source: ListSource | undefined = data?.source;
  const currentTo = data?.currentTo.blockNumber;
  const indexedTo = status.data?.indexedTo.blockNumber;
  const { refetch, isFetching, dataUpdatedAt: listReadAt } = list;
  const { dataUpdatedAt: statusReadAt, errorUpdatedAt: statusFailedAt, isError: statusFailed } = status;

  useEffect(() => {
    if (source === undefined || isFetching) return;
    const stale =
      // The indexer has blocks this list was read before.
      (source.kind === "indexer" && indexedTo !== undefined && currentTo !== undefined && indexedTo > currentTo) ||
      // The indexer stopped answering since: read again (from the chain's logs).
      (source.kind === "indexer" && statusFailed && statusFailedAt > listReadAt) ||
      // The indexer answers again since this list was read from the logs: back to it (at most once a poll).
      (source.kind === "fallback" && !statusFailed && statusReadAt > listReadAt);
    if (stale) void refetch();
  }, [source, currentTo, indexedTo, isFetching, refetch, listReadAt, statusReadAt, statusFailedAt, statusFailed]);

  if (source === undefined || source.kind === "logScan") return { kind: "current" };
  if (source.kind === "fallback") return { kind: "fallback", reason: source.reason };
  const chainHead = status.data?.head ?? 0n;
  const head = chainHead > confirmed ? chainHead : confirmed;
  return currentTo !== undefined && currentTo < head ? { kind: "updating", currentTo, head } : { kind: "current" };
}
