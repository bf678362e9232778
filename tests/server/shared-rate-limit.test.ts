/**
 * The Redis-shared rate limiter (src/server/policies/shared-rate-limit.ts) on
 * its own, against a real redis-server started here: several limiters on one
 * Redis (standing in for several servers) keep one count; what Redis holds;
 * and the fallback to this server's own count when Redis cannot answer.
 * (tests/jobs/shared-limits.test.ts checks the same through `frameforge serve`
 * processes; this file is the one mutation testing runs.)
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSharedLimits, type SharedLimits } from '../../src/server/policies/shared-rate-limit.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { quietPeriod } from '../support/wait.js';

/** Long enough that no window ends during a test, with half a second to show how Retry-After rounds. */
const WINDOW_MS = 3_600_500;
/** Connected limits resolve on Redis's `ready`; a test that waited this long would time out. */
const NEVER = 3_600_000;

let redis: TestRedis;
let raw: Redis;
const opened: SharedLimits[] = [];

beforeAll(async () => {
  redis = await startRedis();
  raw = redis.client();
}, 30_000);
afterAll(async () => {
  for (const limits of opened) await limits.close();
  raw?.disconnect();
  await redis?.stop();
});
beforeEach(async () => {
  await raw.flushall();
});

async function open(url = redis.url, waitMs = NEVER): Promise<{ limits: SharedLimits; warnings: string[] }> {
  const warnings: string[] = [];
  const limits = await createSharedLimits(url, (message) => warnings.push(message), waitMs);
  opened.push(limits);
  return { limits, warnings };
}

/** Where a client's count lives: the limit's name and a hash of the client, never the client itself. */
const keyOf = (name: string, client: string) => `frameforge:rate:${name}:${createHash('sha256').update(client).digest('base64url').slice(0, 22)}`;

describe('one count across servers', () => {
  it('limiters on one Redis share a client\'s count: the limit is reached together, then refused with the window\'s rest', async () => {
    const a = (await open()).limits.limiter('edits', 3, WINDOW_MS);
    const b = (await open()).limits.limiter('edits', 3, WINDOW_MS);
    for (const limiter of [a, b, a]) expect(await limiter.take('198.51.100.7')).toEqual({ allowed: true, retryAfter: 0 });
    const over = await b.take('198.51.100.7');
    expect(over.allowed).toBe(false);
    // The window started with the first request and has just under 3600.5 s left: rounded up.
    expect(over.retryAfter).toBe(3601);
    expect(await raw.get(keyOf('edits', '198.51.100.7'))).toBe('4');
    const ttl = await raw.pttl(keyOf('edits', '198.51.100.7'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('each client and each named limit counts on its own, under a hashed key', async () => {
    const { limits } = await open();
    const edits = limits.limiter('edits', 1, WINDOW_MS);
    const requests = limits.limiter('requests', 1, WINDOW_MS);
    expect((await edits.take('198.51.100.7')).allowed).toBe(true);
    expect((await edits.take('198.51.100.8')).allowed).toBe(true);
    expect((await requests.take('198.51.100.7')).allowed).toBe(true);
    expect((await edits.take('198.51.100.7')).allowed).toBe(false);
    expect((await raw.keys('*')).sort()).toEqual(
      [keyOf('edits', '198.51.100.7'), keyOf('edits', '198.51.100.8'), keyOf('requests', '198.51.100.7')].sort(),
    );
  });

  it('a counter that lost its expiry gets the window again instead of counting forever', async () => {
    const { limits } = await open();
    const limiter = limits.limiter('edits', 1, WINDOW_MS);
    await limiter.take('c');
    await raw.persist(keyOf('edits', 'c'));
    expect(await limiter.take('c')).toEqual({ allowed: false, retryAfter: 3601 });
    expect(await raw.pttl(keyOf('edits', 'c'))).toBeGreaterThan(0);
  });

  it('a limit of 0 is no limit, and asks Redis nothing', async () => {
    const { limits } = await open();
    const limiter = limits.limiter('edits', 0, WINDOW_MS);
    for (let i = 0; i < 3; i++) expect(await limiter.take('c')).toEqual({ allowed: true, retryAfter: 0 });
    expect(await raw.dbsize()).toBe(0);
  });

  it('once connected it leaves no timer running (the wait for Redis ends with the connection)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const limits = await createSharedLimits(redis.url, () => {}, NEVER);
      opened.push(limits);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('close() ends its connection to Redis', async () => {
    const clients = async () => String(await raw.client('LIST')).split('\n').filter(Boolean).length;
    const before = await clients();
    const limits = await createSharedLimits(redis.url, () => {}, NEVER);
    expect(await clients()).toBe(before + 1);
    await limits.close();
    for (let tries = 0; (await clients()) !== before && tries < 200; tries++) await raw.ping();
    expect(await clients()).toBe(before);
  });
});

describe('when Redis cannot answer', () => {
  /** The local limiter's refusal: its window began at the first request it counted, moments ago (its clock is the machine's). */
  function expectLocalRefusal(decision: { allowed: boolean; retryAfter: number }): void {
    expect(decision.allowed).toBe(false);
    expect(decision.retryAfter).toBeGreaterThan(3000);
    expect(decision.retryAfter).toBeLessThanOrEqual(3601);
  }

  it('a Redis that never answers: this server counts on its own against the same limit, with one warning', async () => {
    // A port nothing listens on (the test Redis's, once stopped): connecting fails at once.
    const gone = await startRedis();
    await gone.stop();
    const { limits, warnings } = await open(gone.url, 50);
    // Said at startup, before any request needs Redis.
    await vi.waitFor(() => expect(warnings).toHaveLength(1), { timeout: 20_000 });
    const limiter = limits.limiter('edits', 2, WINDOW_MS);
    expect(await limiter.take('c')).toEqual({ allowed: true, retryAfter: 0 });
    expect(await limiter.take('c')).toEqual({ allowed: true, retryAfter: 0 });
    expectLocalRefusal(await limiter.take('c'));
    expect(await limiter.take('other')).toEqual({ allowed: true, retryAfter: 0 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^shared rate limits unavailable \(.+\): each server counts on its own until Redis answers$/);
    expect(warnings[0]).not.toContain(gone.url);
  });

  it('a Redis that hangs: requests are counted here meanwhile, and Redis decides again once it answers', async () => {
    const { limits, warnings } = await open();
    const limiter = limits.limiter('edits', 2, WINDOW_MS);
    expect((await limiter.take('c')).allowed).toBe(true);
    expect(warnings).toEqual([]);
    process.kill(redis.pid(), 'SIGSTOP');
    try {
      // Each command times out (Redis is stopped, not gone): the local count decides.
      expect((await limiter.take('c')).allowed).toBe(true);
      expect((await limiter.take('c')).allowed).toBe(true);
      expectLocalRefusal(await limiter.take('c'));
    } finally {
      process.kill(redis.pid(), 'SIGCONT');
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('shared rate limits unavailable');
    // Redis got the timed-out commands too: its count (past 2) decides now, and the recovery is logged once.
    let answer = await limiter.take('c');
    for (let tries = 0; !warnings.includes('shared rate limits restored: Redis answers again') && tries < 20; tries++) answer = await limiter.take('c');
    expect(warnings).toEqual([warnings[0], 'shared rate limits restored: Redis answers again']);
    expect(answer.allowed).toBe(false);
    expect(Number(await raw.get(keyOf('edits', 'c')))).toBeGreaterThan(2);
    expect((await limiter.take('c')).allowed).toBe(false);
    expect(warnings).toHaveLength(2);
  });

  it('close() with Redis still away stops the reconnecting too', async () => {
    const gone = await startRedis();
    await gone.stop();
    // The client's reconnect delays are timers: moved by the test, so "later" comes at once.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    let connections = 0;
    try {
      const warnings: string[] = [];
      const opening = createSharedLimits(gone.url, (message) => warnings.push(message), 50);
      await vi.waitFor(() => expect(warnings).toHaveLength(1), { timeout: 20_000 });
      vi.advanceTimersByTime(50);
      const limits = await opening;
      await limits.close();
      // Something listens on Redis's port now: a client still trying would connect to it.
      await new Promise<void>((resolve) => listener.listen(gone.port, '127.0.0.1', resolve));
      vi.advanceTimersByTime(60_000);
      vi.useRealTimers();
      await quietPeriod(500);
      expect(connections).toBe(0);
    } finally {
      vi.useRealTimers();
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});
