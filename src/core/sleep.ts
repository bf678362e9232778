/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts.
 * node:timers/promises rejects with a generic AbortError instead of the
 * reason, and callers tell a deadline from a Ctrl-C by that reason.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
