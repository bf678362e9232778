/**
 * At most `max` provider calls in flight across a run. A batch runs
 * `--concurrency` items at once, and an item with `--variations N` on a model
 * that returns one image per call makes N calls: they share this limit, so
 * the provider never sees more than `--concurrency` calls at a time.
 */
export type CallLimit = <T>(call: () => Promise<T>) => Promise<T>;

export function callLimit(max: number): CallLimit {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(call: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await call();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
