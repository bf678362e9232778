/**
 * Limits that hold across processes through one real redis-server: the
 * per-client rate limits of several `frameforge serve` processes, and
 * PROVIDER_RATE_LIMIT_PER_MINUTE across several `frameforge worker`s.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, jpeg, startServer } from '../server/helpers.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { quietPeriod } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { startServeProcess, type ServeProcess } from '../web/serve-process.js';
import { getJob, poll, submit, waitFor } from './job-client.js';

describe('limits shared through Redis', { timeout: 90_000 }, () => {
  let redis: TestRedis;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    raw = redis.client();
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  it('two `frameforge serve` processes on one Redis enforce one per-client limit', async () => {
    await raw.flushall();
    const env = { REDIS_URL: redis.url, RATE_LIMIT_EDITS_PER_HOUR: '3', RATE_LIMIT_REQUESTS_PER_HOUR: '4', LOG_LEVEL: 'warn' };
    const servers: ServeProcess[] = [];
    try {
      servers.push(await startServeProcess(env, ['--no-worker', '--no-ui']));
      servers.push(await startServeProcess(env, ['--no-worker', '--no-ui']));
      const [a, b] = servers.map((s) => s.url) as [string, string];
      const image = await jpeg();
      const post = (url: string) => fetch(`${url}/api/jobs`, { method: 'POST', body: form([['images', image, 'room.jpg']], { provider: 'mock' }) });
      // Three edits, split across both servers: each alone is under the limit of 3, together at it.
      for (const url of [a, b, a]) expect((await post(url)).status).toBe(202);
      const over = await post(b);
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await over.json()).toMatchObject({ code: 'rate_limited' });

      // The other limit is its own count, shared the same way.
      for (const url of [b, a, b, a]) expect((await fetch(`${url}/api/providers`)).status).toBe(200);
      expect((await fetch(`${b}/api/providers`)).status).toBe(429);
      // What Redis holds: counters under hashed names, never the client's address.
      const keys = await raw.keys('frameforge:rate:*');
      expect(keys.length).toBe(2);
      for (const key of keys) expect(key).not.toContain('127.0.0.1');
    } finally {
      for (const server of servers) await server.stop();
    }
  });

  it('PROVIDER_RATE_LIMIT_PER_MINUTE holds across two workers: the rest wait for the next minute', async () => {
    await raw.flushall();
    const server = await startServer({ logLevel: 'warn', redisUrl: redis.url }, { noWorker: true });
    const workers: WorkerProcess[] = [];
    try {
      const env = { REDIS_URL: redis.url, PROVIDER_RATE_LIMIT_PER_MINUTE: '2' };
      // Each worker alone could run all five at once.
      workers.push(await startWorkerProcess(env, ['--concurrency', '5']));
      workers.push(await startWorkerProcess(env, ['--concurrency', '5']));
      const image = await jpeg();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await submit(server.url, {}, image)).id);

      // Two jobs start and finish; BullMQ's limiter (one counter in Redis) then blocks both workers.
      const done = await poll(async () => {
        const views = await Promise.all(ids.map((id) => getJob(server.url, id)));
        const succeeded = views.filter((v) => v.status === 'succeeded');
        return succeeded.length >= 2 ? views : undefined;
      });
      const limiter = await poll(async () => {
        const [count, ttl] = await Promise.all([raw.get('frameforge:edits:limiter'), raw.pttl('frameforge:edits:limiter')]);
        return count !== null && ttl > 0 ? { count: Number(count), ttl } : undefined;
      });
      expect(limiter.count).toBeGreaterThanOrEqual(2);
      expect(limiter.ttl).toBeLessThanOrEqual(60_000);
      // Give a leak (a third start) a window to show itself: none may start within the minute.
      await quietPeriod(1500);
      const views = await Promise.all(ids.map((id) => getJob(server.url, id)));
      expect(views.filter((v) => v.status === 'succeeded').map((v) => v.id).sort()).toEqual(
        done.filter((v) => v.status === 'succeeded').map((v) => v.id).sort(),
      );
      expect(views.filter((v) => v.status === 'succeeded')).toHaveLength(2);
      const waiting = views.filter((v) => v.status !== 'succeeded');
      expect(waiting).toHaveLength(3);
      for (const view of waiting) expect(view).toMatchObject({ status: 'queued', attempts: 0 });
      expect(await raw.llen('frameforge:edits:wait')).toBe(3);
    } finally {
      for (const worker of workers) await worker.stop();
      await server.close();
    }
  });
});

describe('when Redis cannot answer', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('each server falls back to its own count, logs it once, and shares again once Redis is back', async () => {
    const server = await startServer({ logLevel: 'warn', redisUrl: redis.url, requestsPerHour: 2 }, { noWorker: true });
    try {
      expect((await fetch(`${server.url}/api/providers`)).status).toBe(200);
      // A Redis that hangs (stopped, not dead): commands time out instead of failing at once.
      process.kill(redis.pid(), 'SIGSTOP');
      try {
        expect((await fetch(`${server.url}/api/providers`)).status).toBe(200);
        expect((await fetch(`${server.url}/api/providers`)).status).toBe(200);
        // The local count has reached the limit of 2: the same limit, held by this server alone.
        const over = await fetch(`${server.url}/api/providers`);
        expect(over.status).toBe(429);
        expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        process.kill(redis.pid(), 'SIGCONT');
      }
      const warnings = server.logs.filter((line) => line.includes('shared rate limits unavailable'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).not.toContain(redis.url);
      // Redis answers again: its counter (already past 2) decides, and that is logged.
      await poll(async () => ((await fetch(`${server.url}/api/providers`)).status === 429 && server.logs.some((l) => l.includes('shared rate limits restored')) ? true : undefined));
    } finally {
      await server.close();
    }
  });
});

it('with PROVIDER_RATE_LIMIT_PER_MINUTE=0 the same five jobs all run', async () => {
  // Control for the test above: the same setup with the limit off (0) runs all five.
  const redis = await startRedis();
  const server = await startServer({ logLevel: 'warn', redisUrl: redis.url }, { noWorker: true });
  let worker: WorkerProcess | undefined;
  try {
    worker = await startWorkerProcess({ REDIS_URL: redis.url, PROVIDER_RATE_LIMIT_PER_MINUTE: '0' }, ['--concurrency', '5']);
    const image = await jpeg();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(server.url, {}, image)).id);
    for (const id of ids) expect(await waitFor(server.url, id, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });
  } finally {
    await worker?.stop();
    await server.close();
    await redis.stop();
  }
}, 60_000);
