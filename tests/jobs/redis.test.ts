/** The same jobs API tests with BullMQ on a real Redis, the worker running inside the server. */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from '../server/helpers.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { jobsApiContract } from './api-contract.js';
import { submit, waitFor } from './job-client.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

jobsApiContract('BullMQ on Redis', (settings = {}, options = {}) => startServer({ logLevel: 'warn', redisUrl: redis.url, ...settings }, options));

/**
 * The reads of job `id`'s own keys (not BullMQ's) that Redis runs while `step` does, in order,
 * seen through `monitor` (a MONITOR connection made from `watcher`).
 */
async function readsDuring(watcher: Redis, monitor: Redis, id: string, step: () => Promise<void>): Promise<string[]> {
  const reads: string[] = [];
  let sawMark: () => void = () => {};
  const marked = new Promise<void>((resolve) => (sawMark = resolve));
  const mark = `mark-${id}`;
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[1] === mark) sawMark();
    else if (/^(get|mget|hget|hmget|hgetall)$/i.test(args[0]!) && args.some((arg) => arg.startsWith(`frameforge:job:${id}`))) reads.push(args.slice(0, 2).join(' '));
  });
  await step();
  // Commands run in the order Redis gets them: once the mark is seen, every read the step caused was seen before it.
  await watcher.get(mark);
  await marked;
  monitor.removeAllListeners('monitor');
  return reads;
}

it('a job the server\'s own worker ended is shown and its result given without reading them back from Redis; a second fetch reads Redis', async () => {
  const server = await startServer({ logLevel: 'warn', redisUrl: redis.url });
  const watcher = redis.client();
  const monitor = await watcher.monitor();
  try {
    const { id } = await submit(server.url);
    const ended = (await (await fetch(`${server.url}/api/jobs/${id}?wait=20`)).json()) as { status: string };
    expect(ended.status).toBe('succeeded');
    const first = await readsDuring(watcher, monitor, id, async () => {
      const status = await fetch(`${server.url}/api/jobs/${id}`);
      expect(await status.json()).toMatchObject({ id, status: 'succeeded' });
      const result = await fetch(`${server.url}/api/jobs/${id}/result`);
      expect(result.status).toBe(200);
      expect((await result.arrayBuffer()).byteLength).toBeGreaterThan(0);
    });
    expect(first, JSON.stringify(first)).toEqual([]);
    // The held result is let go at its first fetch: the next one is read from Redis, the same bytes.
    const again = await readsDuring(watcher, monitor, id, async () => {
      expect((await fetch(`${server.url}/api/jobs/${id}/result`)).status).toBe(200);
    });
    expect(again).toContain(`get frameforge:job:${id}`);
  } finally {
    monitor.disconnect();
    watcher.disconnect();
    await server.close();
  }
});

it('a long poll reads the job\'s record from Redis once: the wait subscribes first, so no read before it is needed', async () => {
  const server = await startServer({ logLevel: 'warn', redisUrl: redis.url, mockDelayMs: 120_000 });
  const watcher = redis.client();
  const monitor = await watcher.monitor();
  let id: string | undefined;
  try {
    ({ id } = await submit(server.url));
    await waitFor(server.url, id, ['running']);
    // wait=1: over before the wait's 2 s recheck would read again.
    const reads = await readsDuring(watcher, monitor, id, async () => {
      const answer = await fetch(`${server.url}/api/jobs/${id}?wait=1`);
      expect(await answer.json()).toMatchObject({ id, status: 'running' });
    });
    expect(reads).toEqual([`get frameforge:job:${id}`]);
  } finally {
    // The job would run for two minutes: cancelled, so the server stops at once.
    if (id) await fetch(`${server.url}/api/jobs/${id}`, { method: 'DELETE' });
    monitor.disconnect();
    watcher.disconnect();
    await server.close();
  }
});
