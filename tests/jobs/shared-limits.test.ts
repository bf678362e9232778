/**
 * Limits that hold across processes through one real redis-server: the
 * per-client rate limits of several `frameforge serve` processes, and
 * PROVIDER_RATE_LIMIT_PER_MINUTE across several `frameforge worker`s.
 */

import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GEMINI_MODEL } from '../../src/providers/gemini-models.js';
import { startFalServer } from '../fakes/fal-server.js';
import { startGeminiServer } from '../fakes/gemini-server.js';
import { form, jpeg, startServer } from '../server/helpers.js';
import { startRedis, useRedis, type TestRedis } from '../support/redis.js';
import { quietPeriod } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { startServeProcess, type ServeProcess } from '../web/serve-process.js';
import { getJob, poll, submit, waitFor } from './job-client.js';

const GOOGLE_KEY = 'AIzaSy-provider-limit-test';
const FAL_KEY = 'fal-provider-limit-test:secret';

describe('limits shared through Redis', { timeout: 90_000 }, () => {
  const redis = useRedis();

  it('two `frameforge serve` processes on one Redis enforce one per-client limit', async () => {
    await redis.raw.flushall();
    const env = { REDIS_URL: redis.server.url, RATE_LIMIT_EDITS_PER_HOUR: '3', RATE_LIMIT_REQUESTS_PER_HOUR: '4', LOG_LEVEL: 'warn' };
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
      const keys = await redis.raw.keys('frameforge:rate:*');
      expect(keys.length).toBe(2);
      for (const key of keys) expect(key).not.toContain('127.0.0.1');
    } finally {
      for (const server of servers) await server.stop();
    }
  });

  it('PROVIDER_RATE_LIMIT_PER_MINUTE is per provider: two workers start 2 Gemini edits in the window, fal and mock jobs still run', async () => {
    await redis.raw.flushall();
    const gemini = await startGeminiServer({ apiKey: GOOGLE_KEY });
    const fal = await startFalServer({ apiKey: FAL_KEY, pollsUntilDone: 1 });
    const keys = { googleApiKey: GOOGLE_KEY, googleBaseUrl: gemini.url, falKey: FAL_KEY, falProxyUrl: fal.proxyUrl };
    // The test polls the jobs often: the per-client request limit is not what it is about.
    const server = await startServer({ logLevel: 'warn', redisUrl: redis.server.url, requestsPerHour: 0, ...keys }, { noWorker: true });
    const workers: WorkerProcess[] = [];
    const queue = new Queue('edits', { connection: redis.server.client(), prefix: 'frameforge' });
    try {
      const env = {
        // fal's own quota is exactly its three jobs: were it one window with Gemini's, some would wait.
        REDIS_URL: redis.server.url, PROVIDER_RATE_LIMIT_PER_MINUTE: 'google=2,fal=3', MAX_RETRIES: '0',
        GOOGLE_API_KEY: GOOGLE_KEY, GOOGLE_GEMINI_BASE_URL: gemini.url, FAL_KEY, FAL_PROXY_URL: fal.proxyUrl,
      };
      // Each worker alone could run every job at once: only the Gemini quota holds any back; mock has none.
      workers.push(await startWorkerProcess(env, ['--concurrency', '5']));
      workers.push(await startWorkerProcess(env, ['--concurrency', '5']));
      const image = await jpeg();
      const google: string[] = [];
      for (let i = 0; i < 5; i++) google.push((await submit(server.url, { provider: i % 2 ? 'nano-banana' : 'google' }, image)).id);
      const others: string[] = [];
      for (let i = 0; i < 3; i++) others.push((await submit(server.url, { provider: 'fal:fal-ai/nano-banana/edit' }, image)).id);
      for (let i = 0; i < 3; i++) others.push((await submit(server.url, { provider: 'mock' }, image)).id);

      // fal and mock jobs, queued behind the Gemini ones, all run.
      for (const id of others) expect(await waitFor(server.url, id, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(fal.jobs).toHaveLength(3);
      // `google` and `nano-banana` are one model, one quota: two start, three are put back.
      const held = await poll(async () => {
        const delayed = await redis.raw.zrange('frameforge:edits:delayed', '0', '-1');
        return delayed.length === 3 ? delayed : undefined;
      });
      // Give a leak (a third start) a window to show itself.
      await quietPeriod(1500);
      expect(gemini.callsTo('generate')).toHaveLength(2);
      const views = await Promise.all(google.map((id) => getJob(server.url, id)));
      const ran = views.filter((v) => v.status !== 'queued');
      expect(ran).toHaveLength(2);
      for (const view of ran) expect(await waitFor(server.url, view.id, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', attempts: 1 });
      // Held back, a job is truthfully queued: never started, no attempt counted, not running anywhere.
      const waiting = views.filter((v) => v.status === 'queued');
      expect(waiting.map((v) => v.id).sort()).toEqual([...held].sort());
      for (const view of waiting) expect(view).toMatchObject({ status: 'queued', attempts: 0, started_at: null });
      expect(await redis.raw.llen('frameforge:edits:active')).toBe(0);
      const window = `frameforge:provider-rate:google:${DEFAULT_GEMINI_MODEL}`;
      expect(Number(await redis.raw.get(window))).toBe(2);
      expect(await redis.raw.pttl(window)).toBeGreaterThan(0);
      expect(await redis.raw.pttl(window)).toBeLessThanOrEqual(60_000);
      expect(Number(await redis.raw.get('frameforge:provider-rate:fal'))).toBe(3);
      expect(await redis.raw.exists('frameforge:provider-rate:mock')).toBe(0);

      // A held job is cancelled like any queued one, and never runs.
      const [cancelled, ...rest] = waiting.map((v) => v.id) as [string, ...string[]];
      const del = await fetch(`${server.url}/api/jobs/${cancelled}`, { method: 'DELETE' });
      expect(await del.json()).toMatchObject({ id: cancelled, status: 'cancelled', attempts: 0 });

      // The minute passes (its counter expires, BullMQ's delay ends): the held jobs run, each once.
      await redis.raw.del(window);
      for (const job of await queue.getDelayed()) await job.promote();
      for (const id of rest) expect(await waitFor(server.url, id, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(gemini.callsTo('generate')).toHaveLength(4);
      expect(await getJob(server.url, cancelled)).toMatchObject({ status: 'cancelled' });
      const ended = await poll(async () => {
        const all = workers.flatMap((w) => w.ended);
        return all.length >= 10 ? all : undefined;
      });
      expect(ended.sort()).toEqual([...google.filter((id) => id !== cancelled), ...others].sort());
    } finally {
      await queue.close();
      for (const worker of workers) await worker.stop();
      await server.close();
      await gemini.close();
      await fal.close();
    }
  });

  it('a worker SIGKILLed mid-edit under a provider limit: another takes the job up within the quota and it ends once', async () => {
    await redis.raw.flushall();
    const gemini = await startGeminiServer({ apiKey: GOOGLE_KEY });
    const server = await startServer({ logLevel: 'warn', redisUrl: redis.server.url, requestsPerHour: 0, googleApiKey: GOOGLE_KEY, googleBaseUrl: gemini.url }, { noWorker: true });
    const env = {
      REDIS_URL: redis.server.url, PROVIDER_RATE_LIMIT_PER_MINUTE: '2', MAX_RETRIES: '0',
      GOOGLE_API_KEY: GOOGLE_KEY, GOOGLE_GEMINI_BASE_URL: gemini.url,
      // Stalled-job recovery in seconds, as in workers.test.ts.
      JOB_LOCK_DURATION_MS: '4000', JOB_STALLED_INTERVAL_MS: '1000',
    };
    let doomed: WorkerProcess | undefined;
    let survivor: WorkerProcess | undefined;
    try {
      // The first call never answers: its worker dies with it.
      gemini.script('generate', { until: new Promise(() => {}) });
      doomed = await startWorkerProcess(env);
      const { id } = await submit(server.url, { provider: 'google' });
      await gemini.waitForCall('generate', 1);
      survivor = await startWorkerProcess(env);
      await doomed.kill();
      expect(await waitFor(server.url, id, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(gemini.callsTo('generate')).toHaveLength(2);
      const survivorEnded = survivor.ended;
      await poll(async () => (survivorEnded.length > 0 ? true : undefined));
      expect(survivorEnded).toEqual([id]);
      expect(doomed.ended).toEqual([]);
      // Both starts were counted in the one window.
      expect(Number(await redis.raw.get(`frameforge:provider-rate:google:${DEFAULT_GEMINI_MODEL}`))).toBe(2);
    } finally {
      await survivor?.stop();
      await doomed?.stop();
      await server.close();
      await gemini.close();
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

it('a provider named with 0 has no limit while the bare number holds the others: five mock jobs all run', async () => {
  // Control for the tests above: `2` would hold mock to two a minute, `mock=0` lifts it for mock alone.
  const redis = await startRedis();
  const server = await startServer({ logLevel: 'warn', redisUrl: redis.url }, { noWorker: true });
  let worker: WorkerProcess | undefined;
  try {
    worker = await startWorkerProcess({ REDIS_URL: redis.url, PROVIDER_RATE_LIMIT_PER_MINUTE: '2,mock=0' }, ['--concurrency', '5']);
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
