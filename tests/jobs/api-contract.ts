/**
 * The jobs API's behaviour, written once and run against every backend
 * (embedded, and BullMQ on a real Redis): each backend's test file calls
 * `jobsApiContract` with a way to start a server on it.
 */
import { describe, expect, it } from 'vitest';
import { postEdit, form, jpeg } from '../server/helpers.js';
import type { Settings } from '../../src/core/settings.js';
import { getJob, poll, submit, waitFor } from './job-client.js';

export interface Started {
  url: string;
  close(): Promise<void>;
}

export type StartJobsServer = (settings?: Partial<Settings>) => Promise<Started>;

async function withServer<T>(start: StartJobsServer, settings: Partial<Settings>, fn: (url: string) => Promise<T>): Promise<T> {
  const server = await start(settings);
  try {
    return await fn(server.url);
  } finally {
    await server.close();
  }
}

export function jobsApiContract(name: string, start: StartJobsServer): void {
  describe(`jobs API (${name})`, () => {
    it('submits, polls and fetches a result equal to what /api/edit gives for the same input', async () => {
      await withServer(start, {}, async (url) => {
        const image = await jpeg(80, 60);
        const accepted = await submit(url, { prompt: 'stage it' }, image);
        expect(accepted.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(accepted).toEqual({ id: accepted.id, status: 'queued', status_url: `/api/jobs/${accepted.id}`, result_url: `/api/jobs/${accepted.id}/result` });

        const job = await waitFor(url, accepted.id, ['succeeded', 'failed', 'cancelled']);
        expect(job).toMatchObject({ id: accepted.id, status: 'succeeded', attempts: 1, provider: 'mock' });
        expect(job.error).toBeUndefined();
        expect(Date.parse(job.created_at)).toBeLessThanOrEqual(Date.parse(job.started_at!));
        expect(Date.parse(job.started_at!)).toBeLessThanOrEqual(Date.parse(job.finished_at!));

        const result = await fetch(`${url}${accepted.result_url}`);
        expect(result.status).toBe(200);
        expect(result.headers.get('content-type')).toBe('image/jpeg');
        expect(result.headers.get('x-frameforge-mock')).toBe('true');
        const direct = await postEdit(url, form([['images', image, 'room.jpg']], { provider: 'mock', prompt: 'stage it' }));
        expect(direct.status).toBe(200);
        expect(Buffer.from(await result.arrayBuffer()).equals(Buffer.from(await direct.arrayBuffer()))).toBe(true);
      });
    });

    it('answers 404 for an unknown id, well-formed or not, on every job route', async () => {
      await withServer(start, {}, async (url) => {
        for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'nope', '..%2F..']) {
          for (const [method, suffix] of [['GET', ''], ['GET', '/result'], ['DELETE', '']] as const) {
            const res = await fetch(`${url}/api/jobs/${id}${suffix}`, { method });
            expect(res.status, `${method} ${id}${suffix}`).toBe(404);
            expect(await res.json()).toMatchObject({ code: 'not_found' });
          }
        }
      });
    });

    it('answers 409 not_ready with Retry-After while running, and cancels a running job', async () => {
      await withServer(start, { mockDelayMs: 120_000 }, async (url) => {
        const { id } = await submit(url);
        await waitFor(url, id, ['running']);
        const early = await fetch(`${url}/api/jobs/${id}/result`);
        expect(early.status).toBe(409);
        expect(early.headers.get('retry-after')).toBe('2');
        expect(await early.json()).toMatchObject({ code: 'not_ready' });

        const cancel = await fetch(`${url}/api/jobs/${id}`, { method: 'DELETE' });
        expect(cancel.status).toBe(200);
        const job = await waitFor(url, id, ['cancelled', 'succeeded', 'failed']);
        expect(job).toMatchObject({ status: 'cancelled', error: { code: 'job_cancelled' } });
        const result = await fetch(`${url}/api/jobs/${id}/result`);
        expect(result.status).toBe(410);
        expect(await result.json()).toMatchObject({ code: 'job_cancelled' });
      });
    });

    it('cancels a queued job before it runs', async () => {
      await withServer(start, { mockDelayMs: 120_000, jobConcurrency: 1 }, async (url) => {
        const first = await submit(url);
        await waitFor(url, first.id, ['running']);
        const second = await submit(url);
        expect((await getJob(url, second.id)).status).toBe('queued');
        const cancel = await fetch(`${url}/api/jobs/${second.id}`, { method: 'DELETE' });
        expect(await cancel.json()).toMatchObject({ status: 'cancelled', started_at: null, attempts: 0 });
        await fetch(`${url}/api/jobs/${first.id}`, { method: 'DELETE' });
        expect((await waitFor(url, first.id, ['cancelled'])).status).toBe('cancelled');
        expect((await getJob(url, second.id)).attempts).toBe(0);
      });
    });

    it('keeps a failed edit\'s error and answers it from the result URL', async () => {
      await withServer(start, {}, async (url) => {
        const { id } = await submit(url, {}, Buffer.from('not an image at all'));
        const job = await waitFor(url, id, ['succeeded', 'failed']);
        expect(job.status).toBe('failed');
        expect(job.error?.code).toMatch(/unsupported_image|corrupt_image/);
        const result = await fetch(`${url}/api/jobs/${id}/result`);
        expect(result.status).toBe(415);
        expect(await result.json()).toEqual(job.error);
      });
    });

    it('forgets a job, its record and its result after JOB_TTL_SECONDS', async () => {
      await withServer(start, { jobTtlSeconds: 1 }, async (url) => {
        const { id } = await submit(url);
        // On a loaded machine the job may expire before a poll sees it end: until it is gone,
        // its result is either not ready (409) or there (200), never anything else.
        await poll(async () => {
          const res = await fetch(`${url}/api/jobs/${id}/result`);
          if (res.status !== 404) expect([200, 409]).toContain(res.status);
          return res.status === 404 ? true : undefined;
        });
        expect((await fetch(`${url}/api/jobs/${id}`)).status).toBe(404);
      });
    });

    it('with access tokens, shows a job only to the token that made it', async () => {
      const [a, b] = ['ff_token_a_0123456789abcdef0123456789', 'ff_token_b_0123456789abcdef0123456789'];
      await withServer(start, { serverTokens: [a, b] }, async (url) => {
        const { id } = await submit(url, {}, undefined, { Authorization: `Bearer ${a}` });
        for (const [method, suffix] of [['GET', ''], ['GET', '/result'], ['DELETE', '']] as const) {
          const other = await fetch(`${url}/api/jobs/${id}${suffix}`, { method, headers: { Authorization: `Bearer ${b}` } });
          expect(other.status, `${method} ${suffix} with another token`).toBe(404);
          expect((await fetch(`${url}/api/jobs/${id}${suffix}`, { method })).status).toBe(401);
        }
        const own = await fetch(`${url}/api/jobs/${id}`, { headers: { Authorization: `Bearer ${a}` } });
        expect(own.status).toBe(200);
        const view = (await own.json()) as Record<string, unknown>;
        expect(view.id).toBe(id);
        expect(JSON.stringify(view)).not.toContain('token');
      });
    });

    it('refuses a bad submission at once: no image, an invalid provider id', async () => {
      await withServer(start, {}, async (url) => {
        const none = await fetch(`${url}/api/jobs`, { method: 'POST', body: form([], { provider: 'mock' }) });
        expect(none.status).toBe(400);
        expect(await none.json()).toMatchObject({ code: 'missing_image' });
        const bad = await fetch(`${url}/api/jobs`, { method: 'POST', body: form([['images', await jpeg(), 'a.jpg']], { provider: 'no such thing!' }) });
        expect([400, 404]).toContain(bad.status);
      });
    });
  });
}
