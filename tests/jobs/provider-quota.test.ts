/**
 * The provider windows on a real redis-server (src/jobs/provider-quota.ts):
 * places taken per variation, refusals taking nothing, a heavy edit alone in
 * a fresh window, one window per quota. Nothing here waits for a minute to pass.
 */
import { beforeEach, expect, test } from 'vitest';
import { quotaKey, takeQuota, WINDOW_MS } from '../../src/jobs/provider-quota.js';
import { useRedis } from '../support/redis.js';

const redis = useRedis();
beforeEach(async () => {
  await redis.raw.flushall();
});

const gemini = { unit: 'google:gemini-3.1-flash-image', perMinute: 3 };

test('an edit takes one place per variation; one that does not fit takes none and learns when the window ends', async () => {
  expect(await takeQuota(redis.raw, gemini, 2)).toBe(0);
  const wait = await takeQuota(redis.raw, gemini, 2);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(WINDOW_MS);
  // The refusal took nothing: a single place is still free, then none.
  expect(Number(await redis.raw.get(quotaKey(gemini.unit)))).toBe(2);
  expect(await takeQuota(redis.raw, gemini, 1)).toBe(0);
  expect(await takeQuota(redis.raw, gemini, 1)).toBeGreaterThan(0);
  expect(Number(await redis.raw.get(quotaKey(gemini.unit)))).toBe(3);
  // The window is the first edit's minute, kept in Redis for every worker.
  const ttl = await redis.raw.pttl(quotaKey(gemini.unit));
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
});

test('an edit with more variations than the limit starts alone in a fresh window, and fills it', async () => {
  expect(await takeQuota(redis.raw, gemini, 4)).toBe(0);
  expect(await takeQuota(redis.raw, gemini, 1)).toBeGreaterThan(0);
});

test('each quota has its own window; a limit of 0 touches nothing', async () => {
  expect(await takeQuota(redis.raw, { unit: 'fal', perMinute: 1 }, 1)).toBe(0);
  expect(await takeQuota(redis.raw, { unit: 'fal', perMinute: 1 }, 1)).toBeGreaterThan(0);
  expect(await takeQuota(redis.raw, gemini, 1)).toBe(0);
  expect(await takeQuota(redis.raw, { unit: 'mock', perMinute: 0 }, 1)).toBe(0);
  expect(await redis.raw.exists(quotaKey('mock'))).toBe(0);
});

test('a counter that lost its expiry (restored by hand, an old Redis) gets one again instead of holding forever', async () => {
  await redis.raw.set(quotaKey(gemini.unit), '3');
  const wait = await takeQuota(redis.raw, gemini, 1);
  expect(wait).toBeGreaterThan(0);
  expect(await redis.raw.pttl(quotaKey(gemini.unit))).toBeGreaterThan(0);
});
