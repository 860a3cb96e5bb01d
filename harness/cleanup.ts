// Stopping what a script started (chain node, server, browser) however the script ends, Ctrl-C included.

/**
 * Runs `body`, then `cleanup` exactly once: when the body returns or throws, or on SIGINT/SIGTERM (after which the
 * process exits with 130), so no node, server or browser outlives the script.
 */
export async function runWithCleanup<T>(cleanup: () => Promise<void>, body: () => Promise<T>): Promise<T> {
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= cleanup());
  const onSignal = () => void stop().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await body();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await stop();
  }
}
