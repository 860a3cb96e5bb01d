"use client";
// A passkey account's own settings: the passkeys that control it (add one from another device or a security key,
// remove one), and a recovery delegate who may add one new passkey if every device is lost, two days after asking,
// unless the patient cancels it here. Each change is the account's signed execution: one passkey prompt, and
// MedConsent's gateway pays.
import { useQuery } from "@tanstack/react-query";
import { useId, useState, useSyncExternalStore, type FormEvent } from "react";
import { hexToBytes, isAddress, zeroAddress, type Abi, type Address, type Hash, type Hex } from "viem";
import { useConfig, useDisconnect } from "wagmi";
import { TransactionStatus } from "@/app/_components/TransactionStatus";
import { useEncryptionKey } from "@/app/_hooks/useEncryptionKey";
import { useTransactor } from "@/app/_hooks/useTransactor";
import { gateway } from "@/app/_lib/gatewayClient";
import { currentPasskey, forgetPasskey, subscribeToPasskeys } from "@/app/_lib/passkeyStore";
import { formatDateTime, shortAddress } from "@/lib/format";
import { createPasskey } from "@/lib/passkey/ceremony";
import { useChainNow } from "./usePatientData";

const loadSigner = () => import("@/app/_lib/passkeySigner");

export function PasskeysSection({ account }: { account: Address }) {
  const config = useConfig();
  const { disconnect } = useDisconnect();
  const tx = useTransactor();
  // Removing this device's own passkey asks first: afterwards this device cannot approve anything for the account.
  const [confirmingRemoval, setConfirmingRemoval] = useState(false);
  const encryptionKey = useEncryptionKey(account);
  const [keyCopyNotice, setKeyCopyNotice] = useState<{ text: string; warning: boolean }>();
  const thisDevice = useSyncExternalStore(subscribeToPasskeys, currentPasskey, () => undefined);
  const passkeys = useQuery({
    queryKey: ["passkeys", account],
    queryFn: async () => (await loadSigner()).passkeysOf(account),
  });
  const recovery = useQuery({
    queryKey: ["recoveryDelegate", account],
    queryFn: async () => (await loadSigner()).recoveryDelegateOf(account),
  });
  const pendingRecovery = useQuery({
    queryKey: ["pendingRecovery", account],
    queryFn: async () => (await loadSigner()).pendingRecoveryOf(account),
  });
  const chainNow = useChainNow();
  const [delegateInput, setDelegateInput] = useState("");
  const [delegateError, setDelegateError] = useState<string>();
  const inputId = useId();
  const errorId = useId();

  /** One write to the account itself, through the passkey connector (its signed execution, relayed). */
  async function writeToAccount(
    label: string,
    functionName: string,
    args: readonly unknown[],
    before?: () => Promise<readonly unknown[]>,
  ) {
    return tx.run(label, async (): Promise<Hash> => {
      const callArgs = before ? await before() : args;
      const [{ getWalletClient }, signer] = await Promise.all([import("wagmi/actions"), loadSigner()]);
      const walletClient = await getWalletClient(config);
      return walletClient.writeContract({
        address: account,
        abi: signer.patientAccountAbi() as Abi,
        functionName,
        args: callArgs,
        chain: undefined,
      } as never);
    });
  }

  const addPasskey = () =>
    writeToAccount("Adding a passkey", "addPasskey", [], async () => {
      setKeyCopyNotice(undefined);
      // The account's encryption key first (one prompt of this device's passkey, unless unlocked): the new passkey
      // derives another key, so it opens records only with a copy of this one, sealed for it here.
      const published = encryptionKey.published.data ?? (await encryptionKey.published.refetch()).data ?? null;
      const keyPair =
        published !== null && !encryptionKey.withoutPrf
          ? await encryptionKey.ensureKey().catch(async (error: unknown) => {
              // A device that cannot unlock the key (no PRF, or itself added without a copy) may still add a passkey.
              const { MISSING_KEY_COPY_MESSAGE } = await loadSigner();
              if (error instanceof Error && (error.name === "NoPrfError" || error.message === MISSING_KEY_COPY_MESSAGE))
                return undefined;
              throw error;
            })
          : undefined;
      // The browser offers this device, a phone (by QR code) or a security key. The user handle is the account, so
      // the new passkey finds this account on any device.
      const created = await createPasskey({
        userName: `MedConsent patient ${shortAddress(account)}`,
        userId: Uint8Array.from(hexToBytes(account)),
      });
      // Only the published key is worth a copy: anything else would not open what is shared with the account.
      if (
        keyPair !== undefined &&
        thisDevice !== undefined &&
        keyPair.publicKeyHex.toLowerCase() === published?.toLowerCase()
      ) {
        const signer = await loadSigner();
        const outcome = await signer.storeKeyCopyFor(thisDevice, keyPair, created);
        setKeyCopyNotice(
          outcome === "stored"
            ? {
                text: "The new passkey got a sealed copy of your encryption key: it opens your records on its device.",
                warning: false,
              }
            : {
                text:
                  "The new passkey's device gives no encryption key (no PRF support): it can sign in, grant and revoke, " +
                  "but it will not open your records.",
                warning: true,
              },
        );
      } else if (published !== null) {
        setKeyCopyNotice({
          text:
            "This device cannot unlock your encryption key, so the new passkey got no copy of it: it will not open " +
            "your records. Add it from the device where you first set up your account to open records on it.",
          warning: true,
        });
      }
      return [created.x, created.y];
    });

  async function removePasskey(key: { x: Hex; y: Hex }) {
    setConfirmingRemoval(false);
    const removed = await writeToAccount("Removing a passkey", "removePasskey", [key.x, key.y]);
    if (!removed || thisDevice === undefined || !isThisDevice(key)) return;
    // This device's passkey no longer controls the account: forget it here, end the gateway session and disconnect,
    // so the patient comes back with one of the passkeys the account still has.
    forgetPasskey(thisDevice.credentialId);
    await gateway.logout().catch(() => undefined);
    disconnect();
  }

  async function setRecoveryDelegate(event: FormEvent) {
    event.preventDefault();
    const value = delegateInput.trim();
    const problem = !isAddress(value, { strict: false })
      ? "Enter an account address: 0x followed by 40 hexadecimal characters."
      : value.toLowerCase() === account.toLowerCase()
        ? "Your own account cannot be its recovery delegate."
        : undefined;
    setDelegateError(problem);
    if (problem) return;
    if (await writeToAccount("Naming your recovery delegate", "setRecoveryDelegate", [value])) setDelegateInput("");
  }

  const keys = passkeys.data ?? [];
  const pending = pendingRecovery.data;
  // Judged by the chain's clock, not this device's: whether the waiting period is over.
  const pendingReady = pending != null && chainNow.data !== undefined && chainNow.data >= pending.readyAt;
  const isThisDevice = (key: { x: Hex; y: Hex }) =>
    thisDevice !== undefined &&
    thisDevice.x.toLowerCase() === key.x.toLowerCase() &&
    thisDevice.y.toLowerCase() === key.y.toLowerCase();

  return (
    <section id="passkeys" aria-labelledby="passkeys-heading" className="patient-section">
      <h2 id="passkeys-heading">Passkeys and recovery</h2>
      <p className="muted">
        Your account is controlled by passkeys, not a wallet. Add a passkey from a second device (a phone, a tablet or a
        security key) so you can still reach your account if you lose this one. Every change is approved with your
        passkey, and MedConsent pays the fee.
      </p>
      {passkeys.isPending ? <p>Reading your passkeys…</p> : null}
      {passkeys.error ? (
        <p role="alert" className="notice error">
          Could not read your passkeys from the chain: {passkeys.error.message}
        </p>
      ) : null}
      <ul className="cards" data-testid="passkey-list">
        {keys.map((key, i) => (
          <li key={key.x} className="card">
            <p className="card-title">
              Passkey {i + 1}
              {isThisDevice(key) ? " (this device)" : ""}
            </p>
            <p className="mono muted">{shortAddress(key.x)}</p>
            {keys.length > 1 && isThisDevice(key) && confirmingRemoval ? (
              <div className="notice warning" role="alert">
                <p>
                  This is the passkey of this device. Once it is removed, this device can no longer approve anything for
                  your account: you will be signed out here, and can come back with one of your other passkeys.
                </p>
                <div className="card-actions">
                  <button type="button" className="danger" disabled={tx.busy} onClick={() => void removePasskey(key)}>
                    Yes, remove this device&apos;s passkey
                  </button>
                  <button type="button" onClick={() => setConfirmingRemoval(false)}>
                    Keep it
                  </button>
                </div>
              </div>
            ) : keys.length > 1 ? (
              <div className="card-actions">
                <button
                  type="button"
                  className="danger"
                  disabled={tx.busy}
                  onClick={() => (isThisDevice(key) ? setConfirmingRemoval(true) : void removePasskey(key))}
                >
                  Remove this passkey
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {keys.length === 1 ? <p className="hint">Your only passkey cannot be removed: add another first.</p> : null}
      <div className="section-actions">
        <button type="button" disabled={tx.busy} onClick={() => void addPasskey()}>
          Add a passkey from another device
        </button>
      </div>
      {keyCopyNotice ? (
        <p role="status" className={keyCopyNotice.warning ? "notice warning" : "notice"} data-testid="key-copy-notice">
          {keyCopyNotice.text}
        </p>
      ) : null}

      <h3>Recovery delegate</h3>
      <p className="muted">
        If you lose every device with a passkey, the person you name here (a relative&apos;s wallet, or their passkey
        account) can ask to add one new passkey to your account, once. It takes effect two days after they ask, and any
        of your passkeys can cancel it in that time. They cannot grant, revoke, read your records or remove your
        passkeys.
      </p>
      {pending ? (
        <div role="alert" className="notice warning" data-testid="pending-recovery">
          <p>
            Your recovery delegate <span className="mono">{recovery.data}</span> asked to add a new passkey to your
            account.{" "}
            {pendingReady
              ? `Its waiting period ended on ${formatDateTime(pending.readyAt)}: it takes effect as soon as anyone ` +
                "asks, unless you cancel it first."
              : `It takes effect on ${formatDateTime(pending.readyAt)} unless you cancel it.`}{" "}
            If you did not ask them to, cancel it, and consider naming another recovery delegate.
          </p>
          <button
            type="button"
            disabled={tx.busy}
            onClick={() => void writeToAccount("Cancelling the recovery", "cancelRecovery", [])}
          >
            Cancel this recovery
          </button>
        </div>
      ) : null}
      <p>
        {recovery.isPending ? (
          "Reading your recovery delegate…"
        ) : recovery.error ? (
          "Could not read your recovery delegate from the chain."
        ) : recovery.data === null ? (
          "You have not named a recovery delegate."
        ) : (
          <>
            Your recovery delegate is <span className="mono">{recovery.data}</span>.
          </>
        )}
      </p>
      <form className="inline-form" onSubmit={(event) => void setRecoveryDelegate(event)} noValidate>
        <div className="field">
          <label htmlFor={inputId}>Recovery delegate&apos;s address</label>
          <input
            id={inputId}
            className="mono"
            value={delegateInput}
            onChange={(e) => setDelegateInput(e.target.value)}
            placeholder="0x…"
            aria-invalid={delegateError !== undefined}
            aria-describedby={delegateError ? errorId : undefined}
          />
        </div>
        <button type="submit" disabled={tx.busy}>
          Name recovery delegate
        </button>
        {recovery.data ? (
          <button
            type="button"
            disabled={tx.busy}
            onClick={() => void writeToAccount("Removing your recovery delegate", "setRecoveryDelegate", [zeroAddress])}
          >
            Remove recovery delegate
          </button>
        ) : null}
      </form>
      {delegateError ? (
        <p id={errorId} role="alert" className="field-error">
          {delegateError}
        </p>
      ) : null}
      <TransactionStatus state={tx.state} />
    </section>
  );
}
