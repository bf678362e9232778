/**
 * POST /api/jobs under the same admission control as POST /api/edit
 * (MAX_CONCURRENT_EDITS, MAX_QUEUED_EDITS) and the same minimum upload rate.
 * Embedded, a job holds its place among the server's edit slots from before
 * its upload is read until it ends; with Redis, its upload holds a slot.
 * No timing is asserted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAdmission, type Admission } from '../../src/server/policies/admission.js';
import { form, jpeg, partHead, postEdit, rawRequest, requestHead, startServer, trickle, type TestServer } from '../server/helpers.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { getJob, submit, waitFor } from './job-client.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function started(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

/** Headers only, declaring a 5 MB body that never comes: only an answer given before reading it can arrive. */
function headersOnly(url: string, target: string) {
  return rawRequest(url, requestHead(url, 5 * 1024 * 1024, '', target), [partHead('images', 'a.jpg')]);
}

/** The server's own limiter, watched: `taken` resolves once something holds the only free slot. */
function watchedAdmission(): { admission: Admission; taken: Promise<void> } {
  const admission = createAdmission({ maxActive: 1, maxQueued: 0 });
  let entered: () => void;
  const taken = new Promise<void>((resolve) => (entered = resolve));
  return { admission: { ...admission, enter: (signal?: AbortSignal) => (admission.active === 0 && entered(), admission.enter(signal)) }, taken };
}

describe('embedded jobs take the edit slots of /api/edit', () => {
  it('past the slots and the queue: 503 server_busy with Retry-After before the body is read, for jobs and edits alike', async () => {
    const server = await started({ logLevel: 'warn', maxConcurrentEdits: 1, maxQueuedEdits: 1, mockDelayMs: 120_000 });
    const running = await submit(server.url);
    await waitFor(server.url, running.id, ['running']);
    const waiting = await submit(server.url);
    expect((await getJob(server.url, waiting.id)).status).toBe('queued');

    for (const target of ['/api/jobs', '/api/edit']) {
      const busy = await headersOnly(server.url, target);
      expect(busy.status, target).toBe(503);
      expect(JSON.parse(busy.body)).toMatchObject({ code: 'server_busy' });
      expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(busy.headers.connection).toBe('close');
    }

    // A cancelled queued job gives its place back; the next job takes it.
    expect((await fetch(`${server.url}/api/jobs/${waiting.id}`, { method: 'DELETE' })).status).toBe(200);
    const next = await submit(server.url);
    expect((await getJob(server.url, next.id)).status).toBe('queued');
    // The running job's slot goes to the job that waited.
    await fetch(`${server.url}/api/jobs/${running.id}`, { method: 'DELETE' });
    await waitFor(server.url, next.id, ['running']);
    expect((await getJob(server.url, waiting.id)).attempts).toBe(0);
    await fetch(`${server.url}/api/jobs/${next.id}`, { method: 'DELETE' });
  });

  it('a trickled job upload gets 408 request_timeout and gives its place back', async () => {
    const { admission, taken } = watchedAdmission();
    const server = await started({ logLevel: 'warn' }, { uploadRateWindowMs: 1500, admission });
    const slow = trickle(server.url, 200, '/api/jobs');
    await taken;
    // While the trickling job holds the only place, an edit is refused.
    expect((await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'mock' }))).status).toBe(503);

    const answer = await slow;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'request_timeout', detail: expect.stringContaining('too slow') });
    const job = await submit(server.url);
    expect((await waitFor(server.url, job.id, ['succeeded', 'failed'])).status).toBe('succeeded');
  });
});

describe('with Redis, a job upload takes an edit slot while it is read', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('refuses with 503 while the slots are taken, applies the minimum upload rate, and gives the slot back', async () => {
    const { admission, taken } = watchedAdmission();
    const server = await started({ logLevel: 'warn', redisUrl: redis.url }, { noWorker: true, uploadRateWindowMs: 1500, admission });
    const slow = trickle(server.url, 200, '/api/jobs');
    await taken;
    const busy = await headersOnly(server.url, '/api/jobs');
    expect(busy.status).toBe(503);
    expect(JSON.parse(busy.body)).toMatchObject({ code: 'server_busy' });
    expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const answer = await slow;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'request_timeout' });
    // Queued in Redis, the job no longer holds the slot: another upload gets it.
    const first = await submit(server.url);
    const second = await submit(server.url);
    expect((await getJob(server.url, first.id)).status).toBe('queued');
    expect((await getJob(server.url, second.id)).status).toBe('queued');
  });
});
