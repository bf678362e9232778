/**
 * Jobs across processes, on one real redis-server with an append-only file:
 * `serve --no-worker` in this process takes requests, `frameforge worker`
 * child processes run them.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { startServer, type TestServer } from '../server/helpers.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { getJob, poll, submit, waitFor } from './job-client.js';

const SECRET = 'test-job-key-secret-0123456789abcdef';
let redis: TestRedis;
let raw: Redis;

beforeAll(async () => {
  redis = await startRedis({ appendOnly: true });
  raw = redis.client();
});
afterAll(async () => {
  raw?.disconnect();
  await redis?.stop();
});

/**
 * Stalled-job recovery in a few seconds instead of a minute (production: 30 s each), so a
 * killed worker's job comes back quickly; long enough that a loaded machine still renews locks.
 */
const workerEnv = (extra: Record<string, string> = {}) => ({
  REDIS_URL: redis.url,
  JOB_LOCK_DURATION_MS: '4000',
  JOB_STALLED_INTERVAL_MS: '1000',
  JOB_KEY_SECRET: SECRET,
  ...extra,
});

async function frontServer(): Promise<TestServer> {
  return startServer({ logLevel: 'warn', redisUrl: redis.url, jobKeySecret: SECRET }, { noWorker: true });
}

async function stopAll(...things: ({ stop(): Promise<void> } | { close(): Promise<void> } | undefined)[]): Promise<void> {
  for (const thing of things) {
    if (!thing) continue;
    await ('stop' in thing ? thing.stop() : thing.close());
  }
}

describe('workers sharing one Redis', { timeout: 90_000 }, () => {
  it('two workers share a 20-job batch and every job is done exactly once', async () => {
    const server = await frontServer();
    const workers: WorkerProcess[] = [];
    try {
      workers.push(await startWorkerProcess(workerEnv({ MOCK_DELAY_MS: '100' }), ['--concurrency', '2']));
      workers.push(await startWorkerProcess(workerEnv({ MOCK_DELAY_MS: '100' }), ['--concurrency', '2']));
      const ids = await Promise.all(Array.from({ length: 20 }, async () => (await submit(server.url)).id));
      for (const id of ids) expect(await waitFor(server.url, id, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', attempts: 1 });
      // Workers log in batches: wait for their lines, then compare (a job run twice would show up twice).
      const all = await poll(async () => {
        const ended = workers.flatMap((w) => w.ended);
        return ended.length >= ids.length ? ended : undefined;
      });
      expect(all.sort()).toEqual([...ids].sort());
      for (const worker of workers) expect(worker.ended.length, 'each worker ran some').toBeGreaterThan(0);
    } finally {
      await stopAll(...workers, server);
    }
  });

  it('a worker killed with SIGKILL mid-job: the job is taken up by another and finishes once', async () => {
    const server = await frontServer();
    const events = redis.client();
    const seen: { id: string; status: string }[] = [];
    await events.subscribe('frameforge:job-events');
    events.on('message', (_c: string, message: string) => seen.push(JSON.parse(message) as { id: string; status: string }));
    let doomed: WorkerProcess | undefined;
    let survivor: WorkerProcess | undefined;
    try {
      doomed = await startWorkerProcess(workerEnv({ MOCK_DELAY_MS: '600000' }));
      const { id } = await submit(server.url);
      await waitFor(server.url, id, ['running']);
      survivor = await startWorkerProcess(workerEnv());
      await doomed.kill();
      const job = await waitFor(server.url, id, ['succeeded', 'failed']);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
      const survivorEnded = survivor.ended;
      await poll(async () => (survivorEnded.length > 0 ? true : undefined));
      expect(survivorEnded).toEqual([id]);
      expect(doomed.ended).toEqual([]);
      expect(seen.filter((e) => e.id === id && e.status === 'succeeded')).toHaveLength(1);
      expect((await fetch(`${server.url}/api/jobs/${id}/result`)).status).toBe(200);
    } finally {
      events.disconnect();
      await stopAll(survivor, doomed, server);
    }
  });

  it('a Redis restart (append-only file) loses no queued job', async () => {
    const server = await frontServer();
    let worker: WorkerProcess | undefined;
    try {
      const ids = await Promise.all(Array.from({ length: 5 }, async () => (await submit(server.url)).id));
      await redis.restart();
      worker = await startWorkerProcess(workerEnv());
      for (const id of ids) expect((await waitFor(server.url, id, ['succeeded', 'failed'])).status).toBe('succeeded');
      const ended = worker.ended;
      await poll(async () => (ended.length >= ids.length ? true : undefined));
      expect([...ended].sort()).toEqual([...ids].sort());
    } finally {
      await stopAll(worker, server);
    }
  });

  it('a provider key a job brings is stored encrypted, and a worker with the secret uses it', async () => {
    const gemini: GeminiServer = await startGeminiServer({ apiKey: 'job-key-AIzaSy-test-123456' });
    const server = await frontServer();
    let worker: WorkerProcess | undefined;
    try {
      const { id } = await submit(server.url, { provider: 'google' }, undefined, { 'X-Google-API-Key': 'job-key-AIzaSy-test-123456' });
      // Nothing runs it yet: read what Redis holds, every value of every key, and its append-only file.
      const keys = await raw.keys('*');
      let everything = '';
      for (const key of keys) {
        const type = await raw.type(key);
        if (type === 'string') everything += await raw.get(key);
        if (type === 'hash') everything += JSON.stringify(await raw.hgetall(key));
        if (type === 'list') everything += (await raw.lrange(key, 0, -1)).join();
      }
      const meta = JSON.parse((await raw.hget(`frameforge:job:${id}:input`, 'meta'))!) as { keys?: string };
      expect(meta.keys).toMatch(/^v1\./);
      expect(everything).toContain(id);
      expect(everything).not.toContain('job-key-AIzaSy-test-123456');
      const aofDir = path.join(redis.dir, 'appendonlydir');
      for (const file of await readdir(aofDir)) {
        expect((await readFile(path.join(aofDir, file))).includes('job-key-AIzaSy-test-123456'), file).toBe(false);
      }
      worker = await startWorkerProcess(workerEnv({ GOOGLE_GEMINI_BASE_URL: gemini.url, MAX_RETRIES: '0' }));
      expect(await waitFor(server.url, id, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', provider: 'google' });
      expect(gemini.callsTo('generate')[0]!.headers['x-goog-api-key']).toBe('job-key-AIzaSy-test-123456');
    } finally {
      await stopAll(worker, server, gemini);
    }
  });

  it('without JOB_KEY_SECRET a job that brings a key is refused, naming the setting', async () => {
    const server = await startServer({ logLevel: 'warn', redisUrl: redis.url }, { noWorker: true });
    try {
      const res = await fetch(`${server.url}/api/jobs`, {
        method: 'POST',
        headers: { 'X-Fal-Key': 'fal-key-not-to-be-stored' },
        body: (await import('../server/helpers.js')).form([['images', await (await import('../server/helpers.js')).jpeg(), 'a.jpg']], { provider: 'mock' }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe('job_keys_need_secret');
      expect(body.detail).toContain('JOB_KEY_SECRET');
      expect(JSON.stringify(await raw.keys('*'))).not.toContain('fal-key');
    } finally {
      await server.close();
    }
  });

  it('DELETE of a job no worker holds, though its record says running (its worker died), cancels it at once', async () => {
    const server = await frontServer();
    try {
      const { id } = await submit(server.url);
      // The state a worker leaves when it dies mid-edit and BullMQ's stalled check has put the
      // job back: the record says running, BullMQ waits for a worker to take it again.
      const record = JSON.parse((await raw.get(`frameforge:job:${id}`))!) as Record<string, unknown>;
      await raw.set(`frameforge:job:${id}`, JSON.stringify({ ...record, status: 'running', attempts: 1, started_at: new Date().toISOString() }), 'KEEPTTL');
      const res = await fetch(`${server.url}/api/jobs/${id}`, { method: 'DELETE' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id, status: 'cancelled', error: { code: 'job_cancelled' } });
      // Gone from BullMQ: no worker started later runs it.
      expect(await raw.lrange('frameforge:edits:wait', 0, -1)).not.toContain(id);
      expect(await raw.exists(`frameforge:job:${id}:input`)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a job submitted while no worker runs stays queued', async () => {
    const server = await frontServer();
    try {
      const { id } = await submit(server.url);
      expect(await getJob(server.url, id)).toMatchObject({ status: 'queued', attempts: 0 });
      expect((await fetch(`${server.url}/api/jobs/${id}`, { method: 'DELETE' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
