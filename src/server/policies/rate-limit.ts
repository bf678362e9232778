/**
 * Per-client fixed-window rate limits, in memory. Each IP gets a window that
 * starts with its first request; the window's count resets when it ends.
 * Memory is bounded: past `maxClients` tracked IPs, expired windows are swept
 * and, if that is not enough, the oldest windows are dropped (a Map iterates
 * in insertion order). Dropping a window forgives that client, which is the
 * safe direction to fail under a flood of distinct addresses.
 */

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Seconds until the client's window resets (for Retry-After); 0 when allowed. */
  readonly retryAfter: number;
}

/** Every allowed request gets this one object: the limiter runs on every request, so it allocates nothing then. */
const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true, retryAfter: 0 });

export interface RateLimiter {
  /** Counts one request for `key`; `limit` 0 means unlimited. */
  take(key: string): RateLimitDecision;
  readonly size: number;
}

/** This one, or the shared limiter that answers from Redis (shared-rate-limit.ts). */
export interface AnyRateLimiter {
  take(key: string): RateLimitDecision | Promise<RateLimitDecision>;
}

export interface RateLimiterOptions {
  limit: number;
  windowMs: number;
  maxClients?: number;
  now?: () => number;
}

interface Window {
  start: number;
  count: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { limit, windowMs } = options;
  const maxClients = options.maxClients ?? 100_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();

  function evict(at: number): void {
    for (const [key, w] of windows) if (at - w.start >= windowMs) windows.delete(key);
    for (const key of windows.keys()) {
      if (windows.size < maxClients) break;
      windows.delete(key);
    }
  }

  return {
    take(key) {
      if (limit === 0) return ALLOWED;
      const at = now();
      let w = windows.get(key);
      if (!w || at - w.start >= windowMs) {
        if (w) windows.delete(key);
        if (windows.size >= maxClients) evict(at);
        w = { start: at, count: 0 };
        windows.set(key, w);
      }
      if (w.count >= limit) return { allowed: false, retryAfter: Math.max(1, Math.ceil((w.start + windowMs - at) / 1000)) };
      w.count++;
      return ALLOWED;
    },
    get size() {
      return windows.size;
    },
  };
}
