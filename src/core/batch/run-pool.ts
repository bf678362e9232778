/**
 * Runs items with at most `concurrency` in flight. When `signal` aborts, no
 * new item starts; items already running are left to finish (they get the
 * same signal and cancel their own work). The workers must not throw: a
 * batch reports each item's outcome, and one failure never stops the others.
 */

export interface PoolResult<R> {
  /** Results of the items that started, in the order they finished. */
  readonly results: R[];
  /** Indexes of the items that never started because the signal aborted. */
  readonly notStarted: number[];
}

export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
  signal: AbortSignal,
): Promise<PoolResult<R>> {
  const results: R[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    // Each lane takes the next item as soon as its last one settles, so a slow
    // item holds up one lane only, never a whole wave.
    while (next < items.length && !signal.aborted) {
      const index = next++;
      results.push(await worker(items[index]!, index));
    }
  };
  const lanes = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  const notStarted: number[] = [];
  for (let i = next; i < items.length; i++) notStarted.push(i);
  return { results, notStarted };
}
