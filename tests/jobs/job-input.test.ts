/**
 * A job reaches its runner with every field it was submitted with, on both
 * backends (issue 9: the Redis store once dropped `label`). The fixture is a
 * `Required<JobInput>`: a field added to JobInput does not compile until it is
 * here too, and then this test fails if either backend loses it. Real Redis;
 * the runner is the queue's own seam (the one the server passes the core through).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInput } from '../../src/core/edit.js';
import { configFrom } from '../../src/core/config.js';
import { LocalHandoff } from '../../src/jobs/handoff.js';
import { createMemoryQueue } from '../../src/jobs/memory-queue.js';
import { createAdmission } from '../../src/server/policies/admission.js';
import { createRedisQueue } from '../../src/jobs/redis-queue.js';
import type { JobRunner } from '../../src/jobs/run-job.js';
import type { JobInput, JobQueue } from '../../src/jobs/types.js';
import { startWorker } from '../../src/jobs/worker.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { poll } from './job-client.js';

const EVERY_FIELD: Required<JobInput> = {
  images: [
    { name: 'room.jpg', data: Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0xfe]) },
    { name: 'sofa.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]) },
  ],
  prompt: 'Stage it; keep the windows',
  provider: 'fal:fal-ai/nano-banana-2/edit',
  disclosure: false,
  label: { text: 'Virtually staged', position: 'top-left' },
  cache: false,
  options: { size: '2K', aspectRatio: '3:2' },
  format: 'webp',
  compare: true,
  variations: 3,
  keys: { google: 'gk-job-input-1', fal: 'fk-job-input-2' },
  serverKeys: false,
};

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Submits the fixture and resolves with what the runner was handed. */
async function roundTrip(make: (run: JobRunner) => Promise<JobQueue>): Promise<JobInput> {
  let received: JobInput | undefined;
  const run: JobRunner = async (input) => {
    received = input;
    return { data: Buffer.from('ok'), mimeType: 'image/png', providerId: 'mock', mock: true };
  };
  const queue = await make(run);
  try {
    const { id } = await queue.submit(EVERY_FIELD);
    await poll(async () => ((await queue.status(id))?.status === 'succeeded' ? true : undefined));
    return received!;
  } finally {
    await queue.close();
  }
}

describe('a job carries every field of its input to the runner', () => {
  it('embedded (in memory)', async () => {
    const received = await roundTrip(async (run) => createMemoryQueue({ run, admission: createAdmission({ maxActive: 1, maxQueued: 1 }), ttlMs: 60_000 }));
    expect(received).toEqual(EVERY_FIELD);
  });

  it('BullMQ on Redis (keys sealed with JOB_KEY_SECRET on the way)', async () => {
    const config = { ...configFrom({ redisUrl: redis.url, jobKeySecret: 'a-job-key-secret-of-enough-length-0123456789' }), redisUrl: redis.url };
    const received = await roundTrip(async (run) => {
      const worker = await startWorker({ config, concurrency: 1, onError: () => {}, run });
      return createRedisQueue({ config, onError: () => {}, worker });
    });
    expect(received).toEqual(EVERY_FIELD);
    expect(Object.keys(received).sort()).toEqual(Object.keys(EVERY_FIELD).sort());
    // Read back from Redis: the worker's own copy.
    expect(received.images[0]!.data).not.toBe(EVERY_FIELD.images[0]!.data);
  });

  it('BullMQ on Redis, run by the server\'s own worker: the input is handed over in memory, the same', async () => {
    const config = { ...configFrom({ redisUrl: redis.url, jobKeySecret: 'a-job-key-secret-of-enough-length-0123456789' }), redisUrl: redis.url };
    const handoff = new LocalHandoff(60_000);
    const received = await roundTrip(async (run) => {
      const worker = await startWorker({ config, concurrency: 1, onError: () => {}, run, handoff });
      return createRedisQueue({ config, onError: () => {}, worker, handoff });
    });
    expect(received).toEqual(EVERY_FIELD);
    expect(received.images[0]!.data).toBe(EVERY_FIELD.images[0]!.data);
  });

  it('BullMQ on Redis: an upload in pieces is stored and handed over from its pieces, never joined into one buffer', async () => {
    const config = { ...configFrom({ redisUrl: redis.url }), redisUrl: redis.url };
    const pieces = [randomBytes(70_000), randomBytes(65_536), randomBytes(1_234)];
    let joins = 0;
    // An upload as the server reads one (core/image-pieces.ts's withPieces), counting every read of the joined bytes.
    const image = Object.defineProperties({ name: 'room.jpg' }, {
      pieces: { value: pieces, enumerable: false },
      data: { get: () => (joins++, Buffer.concat(pieces)), enumerable: true },
    }) as ImageInput;
    const handoff = new LocalHandoff(60_000);
    let received: JobInput | undefined;
    let release: () => void = () => {};
    const running = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => {};
    const begun = new Promise<void>((resolve) => (started = resolve));
    // Held running until the stored input is read (the job's end drops it).
    const run: JobRunner = async (input) => {
      received = input;
      started();
      await running;
      return { data: Buffer.from('ok'), mimeType: 'image/png', providerId: 'mock', mock: true };
    };
    const worker = await startWorker({ config, concurrency: 1, onError: () => {}, run, handoff });
    const queue = createRedisQueue({ config, onError: () => {}, worker, handoff });
    const raw = redis.client();
    try {
      const { id } = await queue.submit({ images: [image], provider: 'mock' });
      await begun;
      expect((await raw.getBuffer(`frameforge:job:${id}:input:0`))!.equals(Buffer.concat(pieces))).toBe(true);
      release();
      await poll(async () => ((await queue.status(id))?.status === 'succeeded' ? true : undefined));
      expect(received!.images[0]).toBe(image);
      expect(joins).toBe(0);
    } finally {
      release();
      raw.disconnect();
      await queue.close();
    }
  });
});
