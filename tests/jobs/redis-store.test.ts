/**
 * The Redis job store against a real redis-server: the bytes written without
 * ioredis's copy (setBytes) arrive whole and in their place among the
 * connection's commands; a job's end is one step that keeps exactly one run's
 * result; and jobs stored by the earlier layout (images as hash fields) are
 * still read.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { newJobId } from '../../src/jobs/job-id.js';
import { finished, newRecord, started } from '../../src/jobs/records.js';
import { setBytes } from '../../src/jobs/redis-bytes.js';
import { EVENTS_CHANNEL, RedisJobStore } from '../../src/jobs/redis-store.js';
import type { JobInput, JobRecord, JobResult } from '../../src/jobs/types.js';
import { useRedis } from '../support/redis.js';

const TTL_MS = 60_000;
const SECRET = 'a-job-key-secret-of-enough-length-0123456789';

const redis = useRedis();
afterEach(async () => {
  await redis.raw.flushall();
});

const input = (bytes: Buffer): JobInput => ({
  images: [
    { name: 'room.jpg', data: bytes },
    { name: 'sofa.png', data: Buffer.from('reference bytes') },
  ],
  provider: 'mock',
  prompt: 'Stage it',
  keys: { google: 'gk-store-test-key' },
});

const resultOf = (data: Buffer, extra: Partial<JobResult> = {}): JobResult => ({ data, mimeType: 'image/jpeg', providerId: 'mock', mock: true, ...extra });

async function queued(store: RedisJobStore, bytes: Buffer): Promise<JobRecord> {
  const record = newRecord(newJobId(), { images: [], provider: 'mock' }, Date.now());
  await store.create(record, input(bytes));
  return record;
}

describe('setBytes', () => {
  it('stores the pieces as one value with its TTL, in its place among the commands sent around it', async () => {
    const pieces = [Buffer.from('head-'), randomBytes(3 * 1024 * 1024 + 17), Buffer.alloc(0), Buffer.from('-tail')];
    // Sent without waiting: the SET before is overwritten, the GET after sees the bytes.
    const before = redis.raw.set('k', 'older value');
    const written = setBytes(redis.raw, 'k', pieces, TTL_MS);
    const read = redis.raw.getBuffer('k');
    const [, , bytes] = await Promise.all([before, written, read]);
    expect(bytes!.equals(Buffer.concat(pieces))).toBe(true);
    const ttl = await redis.raw.pttl('k');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL_MS);
    // The connection goes on with ordinary commands.
    expect(await redis.raw.ping()).toBe('PONG');
  });
});

describe('RedisJobStore', () => {
  it('gives a worker the record, the cancel mark and the input (keys opened) in one read', async () => {
    const store = new RedisJobStore(redis.raw, TTL_MS, SECRET);
    const image = randomBytes(256 * 1024);
    const record = await queued(store, image);
    const start = await store.start(record.id, true);
    expect(start.record).toEqual(record);
    expect(start.cancelRequested).toBe(false);
    expect(start.input).toEqual(input(image));
    // The provider key is sealed at rest.
    expect(JSON.stringify(await redis.raw.hgetall(`frameforge:job:${record.id}:input`))).not.toContain('gk-store-test-key');
    await store.requestCancel(record.id);
    const again = await store.start(record.id, false);
    expect(again).toMatchObject({ record, cancelRequested: true, input: undefined });
  });

  it('marks a job running in the same step, written as records.ts\'s started() writes it, and announces it', async () => {
    const store = new RedisJobStore(redis.raw, TTL_MS, SECRET);
    const events = redis.server.client();
    const published: string[] = [];
    await events.subscribe(EVENTS_CHANNEL);
    events.on('message', (_channel: string, message: string) => published.push(message));
    try {
      const now = Date.now();
      // Every shape a record can have when a worker takes it: new; with the optional fields, whose
      // values a client chose (quotes and the field names themselves inside them); taken up again.
      const plain = await queued(store, randomBytes(64));
      const full = newRecord(newJobId(), {
        images: [],
        provider: 'mock',
        variations: 3,
        owner: 'tok-"status":"x","attempts":9',
        webhookUrl: 'https://hooks.example/"started_at":1,}?attempts=7',
      }, now);
      await store.create(full, input(randomBytes(64)));
      const again = { ...started(await queued(store, randomBytes(64)), now - 60_000) };
      await redis.raw.set(`frameforge:job:${again.id}`, JSON.stringify(again), 'PX', TTL_MS);
      for (const record of [plain, full, again]) {
        const start = await store.start(record.id, true, now);
        const expected = started(record, now);
        expect(start).toMatchObject({ record: expected, running: true, cancelRequested: false });
        expect(start.input?.images[0]?.data.length).toBe(64);
        // Byte for byte: the fields in their order, nothing else touched.
        expect(await redis.raw.get(`frameforge:job:${record.id}`)).toBe(JSON.stringify(expected));
        expect(await redis.raw.pttl(`frameforge:job:${record.id}`)).toBeGreaterThan(0);
      }
      await expect.poll(() => published).toEqual([plain, full, again].map((record) => JSON.stringify(started(record, now))));

      // An ended job is left as it is; without a start time nothing is written.
      const ended = finished(started(plain, now), 'cancelled', now);
      await redis.raw.set(`frameforge:job:${plain.id}`, JSON.stringify(ended), 'PX', TTL_MS);
      expect(await store.start(plain.id, false, now)).toMatchObject({ record: ended, running: false });
      const waiting = await queued(store, randomBytes(64));
      expect(await store.start(waiting.id, false)).toMatchObject({ record: waiting, running: false });
      expect(await store.record(waiting.id)).toEqual(waiting);
      expect(await store.start(newJobId(), true, now)).toEqual({ record: undefined, running: false, cancelRequested: false, input: undefined });
    } finally {
      events.disconnect();
    }
  });

  it('ends a job once: the first end keeps its result, a later run changes nothing and leaves no bytes behind', async () => {
    const store = new RedisJobStore(redis.raw, TTL_MS, SECRET);
    const record = await queued(store, randomBytes(1024));
    const events = redis.server.client();
    const published: JobRecord[] = [];
    await events.subscribe(EVENTS_CHANNEL);
    events.on('message', (_channel: string, message: string) => published.push(JSON.parse(message) as JobRecord));
    try {
      const running = started(record, Date.now());
      await store.markRunning(running);
      expect(await store.record(record.id)).toEqual(running);
      const first = resultOf(randomBytes(2048), { compare: Buffer.from('first compare') });
      const second = resultOf(randomBytes(2048));
      const succeeded = finished(running, 'succeeded', Date.now(), { provider: 'mock' });
      expect(await store.finish(succeeded, first, 2)).toBe(true);
      expect(await store.finish(finished(running, 'failed', Date.now(), { error: { code: 'provider_error', detail: 'late' } }), second, 2)).toBe(false);
      expect(await store.record(record.id)).toEqual(succeeded);
      expect(await store.result(record.id)).toEqual(first);
      // The input went with the end; only the record and the result's keys are left, all with the TTL.
      const keys = (await redis.raw.keys('*')).sort();
      expect(keys).toEqual(
        [`frameforge:job:${record.id}`, `frameforge:job:${record.id}:result`, `frameforge:job:${record.id}:result:compare`, `frameforge:job:${record.id}:result:data`].sort(),
      );
      for (const key of keys) expect(await redis.raw.pttl(key)).toBeGreaterThan(0);
      await expect.poll(() => published.map((r) => r.status)).toEqual(['running', 'succeeded']);
    } finally {
      events.disconnect();
    }
  });

  it('keeps every variation and its before/after, the first stored once', async () => {
    const store = new RedisJobStore(redis.raw, TTL_MS, SECRET);
    const record = await queued(store, randomBytes(1024));
    const variations = [randomBytes(100), randomBytes(200), randomBytes(300)];
    const compares = [randomBytes(10), randomBytes(20), randomBytes(30)];
    const result = resultOf(variations[0]!, { compare: compares[0]!, variations, variationCompares: compares });
    expect(await store.finish(finished(started(record, Date.now()), 'succeeded', Date.now()), result)).toBe(true);
    expect(await store.result(record.id)).toEqual(result);
    expect(await redis.raw.exists(`frameforge:job:${record.id}:result:var1`)).toBe(0);
  });

  it('reads a job stored by the earlier layout: images and results as fields of hashes', async () => {
    const store = new RedisJobStore(redis.raw, TTL_MS, undefined);
    const id = newJobId();
    const record = newRecord(id, { images: [], provider: 'mock' }, Date.now());
    const [image, reference, data, compare, second] = [randomBytes(500), randomBytes(50), randomBytes(400), randomBytes(40), randomBytes(300)];
    await redis.raw.set(`frameforge:job:${id}`, JSON.stringify(record), 'PX', TTL_MS);
    await redis.raw.hset(`frameforge:job:${id}:input`, 'meta', JSON.stringify({ provider: 'mock', names: ['room.jpg', 'sofa.png'] }), 'img0', image, 'img1', reference);
    const start = await store.start(id, true);
    expect(start.input).toEqual({ provider: 'mock', images: [{ name: 'room.jpg', data: image }, { name: 'sofa.png', data: reference }] });
    const meta = { mimeType: 'image/png', providerId: 'mock', mock: true, count: 2 };
    await redis.raw.hset(`frameforge:job:${id}:result`, 'meta', JSON.stringify(meta), 'data', data, 'compare', compare, 'var1', data, 'var2', second, 'cmp1', compare, 'cmp2', compare);
    expect(await store.result(id)).toEqual({
      mimeType: 'image/png',
      providerId: 'mock',
      mock: true,
      data,
      compare,
      variations: [data, second],
      variationCompares: [compare, compare],
    });
    // Its end drops the old input hash too.
    expect(await store.finish(finished(record, 'cancelled', Date.now()))).toBe(true);
    expect(await redis.raw.exists(`frameforge:job:${id}:input`)).toBe(0);
  });
});
