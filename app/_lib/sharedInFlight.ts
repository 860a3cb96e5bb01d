// One run at a time per key for the whole tab: whoever asks while a run for the same key is under way gets that run's
// answer instead of starting a second one (a second wallet signature or passkey prompt for the same thing).
export function sharedInFlight<T>(): (key: string, start: () => Promise<T>) => Promise<T> {
  const running = new Map<string, Promise<T>>();
  return (key, start) => {
    const id = key.toLowerCase();
    const inFlight = running.get(id);
    if (inFlight) return inFlight;
    const run = start().finally(() => running.delete(id));
    running.set(id, run);
    return run;
  };
}
