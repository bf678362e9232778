/**
 * withRetry, observed through its retry events (attempt, delay) rather than
 * the clock: what is retried, how long it would wait, and when it gives up.
 * Waits are kept to milliseconds by the policy; nothing here measures time.
 */
import { describe, expect, it } from 'vitest';
import { FrameForgeError } from '../../src/core/errors.js';
import { backoffDelayMs, withRetry, type RetryInfo, type RetryPolicy } from '../../src/core/retry.js';

const rateLimited = (retryAfter?: number) =>
  new FrameForgeError('provider_rate_limited', 'slow down', retryAfter === undefined ? {} : { retryAfter });

/** Runs withRetry over a script of outcomes (an error to throw, or a value); records attempts and retry events. */
async function run(script: (Error | string)[], policy: RetryPolicy, controller = new AbortController()) {
  const attempts: number[] = [];
  const retries: RetryInfo[] = [];
  const outcome: { value?: { value: string; attempts: number }; error?: unknown } = await withRetry(
    async (n) => {
      attempts.push(n);
      const next = script[n - 1];
      if (next === undefined) throw new Error(`attempt ${n} was not expected`);
      if (next instanceof Error) throw next;
      return next;
    },
    policy,
    controller.signal,
    (info) => {
      retries.push(info);
      // A wait this test did not mean to happen must not hold it: end it at once.
      if (info.delayMs > 1000) controller.abort(new Error(`would wait ${info.delayMs} ms`));
    },
  ).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { ...outcome, attempts, retries };
}

describe('withRetry', () => {
  it('waits the provider\'s Retry-After, reported in the retry event, then succeeds', async () => {
    const first = rateLimited(0.02);
    const result = await run([first, 'ok'], { maxRetries: 2, maxWaitSeconds: 30 });
    expect(result).toMatchObject({ value: { value: 'ok', attempts: 2 }, attempts: [1, 2] });
    expect(result.retries).toEqual([{ attempt: 1, delayMs: 20, error: first }]);
  });

  it('a Retry-After longer than the longest allowed wait fails fast with the provider\'s error, without waiting', async () => {
    const error = rateLimited(3600);
    const result = await run([error, 'ok'], { maxRetries: 3, maxWaitSeconds: 30 });
    expect(result.error).toBe(error);
    expect(result.retries).toEqual([]);
    expect(result.attempts).toEqual([1]);
  });

  it('a Retry-After exactly at the longest allowed wait is waited', async () => {
    const result = await run([rateLimited(0.01), 'ok'], { maxRetries: 1, maxWaitSeconds: 0.01 });
    expect(result.value).toEqual({ value: 'ok', attempts: 2 });
    expect(result.retries.map((r) => r.delayMs)).toEqual([10]);
  });

  it('without Retry-After, backs off with jitter inside the exponential window', async () => {
    const errors = [rateLimited(), rateLimited(), rateLimited()];
    const result = await run([...errors, 'ok'], { maxRetries: 3, maxWaitSeconds: 30, baseDelayMs: 4 });
    expect(result.value).toEqual({ value: 'ok', attempts: 4 });
    expect(result.retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    result.retries.forEach((r, i) => {
      expect(r.error).toBe(errors[i]);
      expect(r.delayMs).toBeGreaterThanOrEqual(0);
      expect(r.delayMs).toBeLessThanOrEqual(4 * 2 ** i);
    });
  });

  it('stops after maxRetries retries and throws the last error', async () => {
    const last = rateLimited(0);
    const result = await run([rateLimited(0), rateLimited(0), last, 'never'], { maxRetries: 2, maxWaitSeconds: 30 });
    expect(result.error).toBe(last);
    expect(result.attempts).toEqual([1, 2, 3]);
    expect(result.retries).toHaveLength(2);
  });

  it('maxRetries 0 makes one attempt', async () => {
    const error = rateLimited(0);
    const result = await run([error, 'never'], { maxRetries: 0, maxWaitSeconds: 30 });
    expect(result.error).toBe(error);
    expect(result.attempts).toEqual([1]);
  });

  it.each([
    ['a non-retryable FrameForgeError', new FrameForgeError('invalid_api_key', 'bad key')],
    ['a plain Error', new Error('a bug')],
  ])('never retries %s', async (_, error) => {
    const result = await run([error, 'never'], { maxRetries: 3, maxWaitSeconds: 30 });
    expect(result.error).toBe(error);
    expect(result.attempts).toEqual([1]);
    expect(result.retries).toEqual([]);
  });

  it('does not retry once the signal has aborted, and an abort during the wait ends it with the signal\'s reason', async () => {
    const aborted = new AbortController();
    aborted.abort(new Error('cancelled before'));
    const error = rateLimited(0);
    const before = await run([error, 'never'], { maxRetries: 3, maxWaitSeconds: 30 }, aborted);
    expect(before.error).toBe(error);
    expect(before.attempts).toEqual([1]);

    // 20 s is allowed by the policy, so withRetry sleeps; run() aborts the sleep from the retry event.
    const during = await run([rateLimited(20), 'never'], { maxRetries: 3, maxWaitSeconds: 30 });
    expect((during.error as Error).message).toBe('would wait 20000 ms');
    expect(during.attempts).toEqual([1]);
    expect(during.retries.map((r) => r.delayMs)).toEqual([20000]);
  });
});

describe('backoffDelayMs', () => {
  it('is full jitter over base * 2^(attempt-1), capped at the longest wait', () => {
    const policy = { maxRetries: 5, maxWaitSeconds: 3, baseDelayMs: 500 };
    expect(backoffDelayMs(1, policy, () => 0.5)).toBe(250);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(1000);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(6, policy, () => 0.99)).toBe(3000);
    expect(backoffDelayMs(2, { maxRetries: 1, maxWaitSeconds: 30 }, () => 1)).toBe(1000);
  });
});
