/**
 * Retries a provider call the same way for every provider: only what is worth
 * retrying (429, 5xx, network errors, i.e. `FrameForgeError.retryable`), with
 * exponential backoff and full jitter, honouring the provider's Retry-After,
 * bounded in count, in single wait, and by the caller's AbortSignal (the edit
 * deadline). A 400/401/403/404/422 is never retried.
 */
import { FrameForgeError, isFrameForgeError } from './errors.js';
import { sleep } from './sleep.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Longest single wait, seconds. A Retry-After beyond it fails fast instead of waiting. */
  maxWaitSeconds: number;
  /** First backoff step, ms. */
  baseDelayMs?: number;
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  error: FrameForgeError;
}

export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = policy.baseDelayMs ?? 500;
  const cap = policy.maxWaitSeconds * 1000;
  // Full jitter (AWS architecture blog): spreads a burst of clients over the window.
  return Math.min(cap, Math.round(random() * base * 2 ** (attempt - 1)));
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the
 * retries run out. Resolves to the value and the number of attempts made.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry?: (info: RetryInfo) => void,
): Promise<{ value: T; attempts: number }> {
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (error) {
      if (signal.aborted || !isFrameForgeError(error) || !error.retryable || n > policy.maxRetries) {
        throw error;
      }
      const wanted = error.retryAfter !== undefined ? error.retryAfter * 1000 : backoffDelayMs(n, policy);
      if (wanted > policy.maxWaitSeconds * 1000) {
        // Waiting longer than allowed would only hold the caller; say when to come back instead.
        throw error;
      }
      onRetry?.({ attempt: n, delayMs: wanted, error });
      await sleep(wanted, signal);
    }
  }
}
