"use client";
// The connected account's X25519 encryption key: derived from its signature of one fixed EIP-712 message (for a
// passkey account, from its passkey's PRF output), so there is no key file to lose. It lives in this tab's memory only (never localStorage, cookies or the server) and is gone when
// the tab closes; signing again derives the same key.
import { useQuery } from "@tanstack/react-query";
import { useMutation } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { zeroHash, type Address, type Hex } from "viem";
import { useConnection, useSignTypedData } from "wagmi";
import { abis } from "@/lib/contracts/deployedContracts";
import { appConfig } from "@/app/_lib/appConfig";
import { PASSKEY_CONNECTOR_TYPE } from "@/app/_lib/passkeyConnector";
import { currentPasskey, subscribeToPasskeys } from "@/app/_lib/passkeyStore";
import { sharedInFlight } from "@/app/_lib/sharedInFlight";
import type { EncryptionKeyPair } from "@/lib/vault";
import { useConsentClient } from "./useConsentClient";
import { useTransactor } from "./useTransactor";

// One in-memory store for the whole tab, so every section (and the grant flow after a client-side navigation) shares
// the key unlocked once. Filled only by a signature in the browser, never during server rendering.
const unlocked = new Map<string, EncryptionKeyPair>();
const listeners = new Set<() => void>();
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
// Two sections unlocking at once share one signature (or passkey prompt).
const unlockOnce = sharedInFlight<EncryptionKeyPair>();
function remember(account: Address, pair: EncryptionKeyPair) {
  unlocked.set(account.toLowerCase(), pair);
  listeners.forEach((l) => l());
}

const keyDirectory = { address: appConfig.addresses.keyDirectory, abi: abis.KeyDirectory } as const;

/** The encryption key an account published on the KeyDirectory, or undefined when it published none. */
export function usePublishedKey(account: Address | undefined) {
  const client = useConsentClient();
  return useQuery({
    queryKey: ["encryptionKeyOf", account],
    enabled: account !== undefined,
    queryFn: async (): Promise<Hex | null> => {
      const key = await client.publicClient.readContract({
        ...keyDirectory,
        functionName: "encryptionKeyOf",
        args: [account!],
      });
      return key === zeroHash ? null : key;
    },
  });
}

export function useEncryptionKey(account: Address | undefined) {
  const { mutateAsync: signTypedData } = useSignTypedData();
  const { connector } = useConnection();
  // A passkey account's key comes from its passkey's PRF output, not from a (randomised) passkey signature.
  const isPasskey = connector?.type === PASSKEY_CONNECTOR_TYPE;
  const passkey = useSyncExternalStore(subscribeToPasskeys, currentPasskey, () => undefined);
  const keyPair = useSyncExternalStore(
    subscribe,
    () => (account ? unlocked.get(account.toLowerCase()) : undefined),
    () => undefined,
  );
  const published = usePublishedKey(account);
  const tx = useTransactor();

  const unlock = useMutation({
    mutationFn: async (): Promise<EncryptionKeyPair> => {
      if (!account) throw new Error("Connect your wallet first.");
      const existing = unlocked.get(account.toLowerCase());
      if (existing) return existing;
      return unlockOnce(account, () => derive(account));
    },
  });

  /** One signature (or passkey prompt) derives the key; callers go through unlockOnce. */
  async function derive(account: Address): Promise<EncryptionKeyPair> {
    if (isPasskey) {
      if (!passkey || passkey.account.toLowerCase() !== account.toLowerCase()) {
        throw new Error("Choose your passkey account again from Connect.");
      }
      // An added passkey derives another key than the published one; the signer then opens the copy sealed for it.
      const publishedKey = published.data !== undefined ? published.data : ((await published.refetch()).data ?? null);
      const pair = await (await import("@/app/_lib/passkeySigner")).unlockEncryptionKey(passkey, publishedKey);
      remember(account, pair);
      return pair;
    }
    const { deriveEncryptionKeyPair, encryptionKeyTypedData } = await import("@/lib/vault/encryptionKey");
    const signature = await signTypedData({ account, ...encryptionKeyTypedData(account, appConfig.chain.id) });
    const pair = deriveEncryptionKeyPair(signature, account);
    remember(account, pair);
    return pair;
  }

  /** The key pair, asking the wallet for the signature first when this tab has not unlocked it yet. */
  const ensureKey = () => unlock.mutateAsync();

  /**
   * Puts the derived public key on the KeyDirectory. Others wrap record keys to the key published there, so a key
   * that is missing or left over from another wallet would make records shared with you impossible to open.
   */
  async function publish(): Promise<boolean> {
    const pair = await ensureKey();
    if (published.data?.toLowerCase() === pair.publicKeyHex.toLowerCase()) return true;
    const receipt = await tx.send("Publishing your encryption key", {
      contract: "KeyDirectory",
      functionName: "setEncryptionKey",
      args: [pair.publicKeyHex],
    });
    return receipt !== undefined;
  }

  const matches =
    keyPair !== undefined &&
    published.data != null &&
    published.data.toLowerCase() === keyPair.publicKeyHex.toLowerCase();
  return {
    keyPair,
    unlock,
    ensureKey,
    /** The key on the chain: undefined while loading, null when none is published. */
    published,
    /** Published and equal to the key this wallet derives (known only once unlocked). */
    matches,
    publish,
    publishTx: tx,
    /** Connected with a passkey account (each signature a passkey prompt, every fee paid by the gateway). */
    isPasskey,
    /**
     * A passkey whose authenticator gives no PRF result: no encryption key on this device, so no upload or open
     * (grants, revocations, delegates, emergency setting and "who read my records" still work).
     */
    withoutPrf: isPasskey && (passkey?.prf === false || unlock.error?.name === "NoPrfError"),
  };
}
