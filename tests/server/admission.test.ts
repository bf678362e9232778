/**
 * Admission control (MAX_CONCURRENT_EDITS, MAX_QUEUED_EDITS) and the minimum
 * upload rate (MIN_UPLOAD_BYTES_PER_SECOND): a full server answers 503 with
 * Retry-After before reading the body, admitted edits still complete, and a
 * trickling upload gets 408 and gives its slot back. No timing is asserted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FrameForgeError } from '../../src/core/errors.js';
import { resolveProvider } from '../../src/providers/registry.js';
import type { EditRequest } from '../../src/providers/types.js';
import { createAdmission } from '../../src/server/policies/admission.js';
import { form, jpeg, partHead, postEdit, rawRequest, requestHead, startServer, trickle, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server whose provider calls are counted: `reached(n)` resolves once n edits got past their upload. */
async function observed(...args: Parameters<typeof startServer>) {
  const waiters: [number, () => void][] = [];
  const prompts: string[] = [];
  const server = await startServer(args[0], {
    ...args[1],
    resolveProvider: async (id, config, keys, options) => {
      const resolved = await resolveProvider(id, config, keys, options);
      const edit = resolved.provider.edit.bind(resolved.provider);
      resolved.provider = {
        ...resolved.provider,
        edit: (request: EditRequest, context) => {
          prompts.push(request.prompt);
          for (const [n, resolve] of waiters) if (prompts.length >= n) resolve();
          return edit(request, context);
        },
      };
      return resolved;
    },
  });
  servers.push(server);
  const reached = (n: number) => new Promise<void>((resolve) => (prompts.length >= n ? resolve() : waiters.push([n, resolve])));
  return { server, prompts, reached };
}

describe('createAdmission', () => {
  it('admits up to maxActive, queues up to maxQueued in arrival order, refuses the rest with server_busy and a Retry-After', async () => {
    const admission = createAdmission({ maxActive: 2, maxQueued: 2 });
    const order: string[] = [];
    const a = await admission.acquire();
    const b = await admission.acquire();
    const c = admission.acquire().then((release) => (order.push('c'), release));
    const d = admission.acquire().then((release) => (order.push('d'), release));
    expect([admission.active, admission.queued]).toEqual([2, 2]);
    const refused = await admission.acquire().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FrameForgeError);
    expect(refused).toMatchObject({ code: 'server_busy', status: 503 });
    expect((refused as FrameForgeError).retryAfter).toBeGreaterThanOrEqual(1);
    expect(() => admission.enter()).toThrow(/busy/);

    a();
    a(); // a second release gives nothing back twice
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect([admission.active, admission.queued]).toEqual([2, 1]);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    expect([admission.active, admission.queued]).toEqual([0, 0]);
  });

  it('gives up a queued place when its signal aborts, and hands the slot to the next in line', async () => {
    const admission = createAdmission({ maxActive: 1, maxQueued: 2 });
    const first = admission.enter() as () => void;
    const controller = new AbortController();
    const leaving = admission.acquire(controller.signal);
    const staying = admission.acquire();
    controller.abort(new Error('client left'));
    await expect(leaving).rejects.toThrow('client left');
    expect(admission.queued).toBe(1);
    first();
    const release = await staying;
    expect(admission.active).toBe(1);
    release();
    await expect(admission.run(async () => 'done')).resolves.toBe('done');
    expect(admission.active).toBe(0);
  });
});

describe('admission control on POST /api/edit', () => {
  it('past the slots and the queue: 503 server_busy with Retry-After before the body is read; the admitted and queued edits complete', async () => {
    const { server, reached } = await observed({ maxConcurrentEdits: 2, maxQueuedEdits: 1, mockDelayMs: 1500 });
    const image = await jpeg();
    const edit = () => postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }));
    const admitted = [edit(), edit()];
    await reached(2);
    const queued = edit();
    // The server logs (at debug) when an edit joins the queue; then the next one finds it full.
    await server.waitForLog((l) => l.msg === 'edit queued');
    // Headers only, declaring a 5 MB body that never comes: only an answer given before reading it can arrive.
    const busy = await rawRequest(server.url, requestHead(server.url, 5 * 1024 * 1024), [partHead('images', 'a.jpg')]);
    expect(busy.status).toBe(503);
    expect(JSON.parse(busy.body)).toMatchObject({ code: 'server_busy' });
    expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(busy.headers.connection).toBe('close');

    const statuses = await Promise.all([...admitted, queued].map(async (p) => (await p).status));
    expect(statuses).toEqual([200, 200, 200]);
    // With the slots free again, the server takes edits.
    expect((await edit()).status).toBe(200);
    const line = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.code === 'server_busy');
    expect(line).toMatchObject({ status: 503, path: '/api/edit' });
  });
});

describe('minimum upload rate', () => {
  it('a trickled upload gets 408 request_timeout and its slot back', async () => {
    // The server's own limiter, made here so the test can see when the trickle holds the slot.
    const admission = createAdmission({ maxActive: 1, maxQueued: 1 });
    let entered: () => void;
    const trickleEntered = new Promise<void>((resolve) => (entered = resolve));
    const watched = { ...admission, enter: (signal?: AbortSignal) => (admission.active === 0 && entered(), admission.enter(signal)) };
    const { server } = await observed({}, { uploadRateWindowMs: 1500, admission: watched });
    const slow = trickle(server.url, 200);
    await trickleEntered;
    // While the trickle holds the only slot, the next edit waits in the queue and the one after is refused.
    const queued = postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'mock' }));
    await server.waitForLog((l) => l.msg === 'edit queued');
    expect((await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'mock' }))).status).toBe(503);

    const answer = await slow;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'request_timeout', detail: expect.stringContaining('too slow') });
    // The slot it held goes to the edit that waited.
    expect((await queued).status).toBe(200);
  });

  it('with the default 30 s window and 16 KB/s, a byte every 3 s gets 408', { timeout: 120_000 }, async () => {
    const { server } = await observed();
    const answer = await trickle(server.url, 3000);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'request_timeout', detail: expect.stringContaining('16 KB/s') });
  });
});
