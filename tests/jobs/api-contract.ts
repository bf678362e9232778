/**
 * The jobs API's behaviour, written once and run against every backend
 * (embedded, and BullMQ on a real Redis): each backend's test file calls
 * `jobsApiContract` with a way to start a server on it.
 */
import { describe, expect, it } from 'vitest';
import { postEdit, form, jpeg } from '../server/helpers.js';
import type { Settings } from '../../src/core/settings.js';
import type { ServeOptions } from '../../src/server/serve.js';
import { resolveProvider } from '../../src/providers/registry.js';
import type { EditRequest } from '../../src/providers/types.js';
import { startFalServer } from '../fakes/fal-server.js';
import { getJob, poll, submit, waitFor } from './job-client.js';

export interface Started {
  url: string;
  close(): Promise<void>;
}

export type StartJobsServer = (settings?: Partial<Settings>, options?: Partial<ServeOptions>) => Promise<Started>;

async function withServer<T>(start: StartJobsServer, settings: Partial<Settings>, fn: (url: string) => Promise<T>, options: Partial<ServeOptions> = {}): Promise<T> {
  const server = await start(settings, options);
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

    it('returns every variation: the job lists them, /result/{n} gives each (1-based), /result the first', async () => {
      const fal = await startFalServer({ apiKey: 'fk', pollsUntilDone: 1 });
      try {
        await withServer(start, { falKey: 'fk', falProxyUrl: fal.proxyUrl }, async (url) => {
          const { id } = await submit(url, { provider: 'fal:fal-ai/nano-banana-2/edit', variations: '3' }, await jpeg(80, 60));
          const job = (await waitFor(url, id, ['succeeded', 'failed'])) as Awaited<ReturnType<typeof getJob>> & { variations: number; result_urls: string[] };
          expect(job, JSON.stringify(job.error)).toMatchObject({ status: 'succeeded', variations: 3 });
          expect(job.result_urls).toEqual([1, 2, 3].map((n) => `/api/jobs/${id}/result/${n}`));
          // A num_images model: one fal call for all three.
          expect(fal.jobs).toHaveLength(1);
          expect(fal.jobs[0]!.input).toMatchObject({ num_images: 3 });
          const bodies: Buffer[] = [];
          for (const path of job.result_urls) {
            const res = await fetch(`${url}${path}`);
            expect(res.status, path).toBe(200);
            expect(res.headers.get('content-type')).toBe('image/jpeg');
            bodies.push(Buffer.from(await res.arrayBuffer()));
          }
          expect(new Set(bodies.map((b) => b.toString('base64'))).size).toBe(3);
          const first = await fetch(`${url}/api/jobs/${id}/result`);
          expect(Buffer.from(await first.arrayBuffer()).equals(bodies[0]!)).toBe(true);
          for (const n of ['0', '4', 'x']) {
            const res = await fetch(`${url}/api/jobs/${id}/result/${n}`);
            expect(res.status, n).toBe(404);
            expect(await res.json()).toMatchObject({ code: 'not_found' });
          }
          // A job of one result lists that one.
          const single = await submit(url, {}, await jpeg(80, 60));
          const done = (await waitFor(url, single.id, ['succeeded'])) as unknown as { variations: number; result_urls: string[] };
          expect(done).toMatchObject({ variations: 1, result_urls: [`/api/jobs/${single.id}/result/1`] });
          expect((await fetch(`${url}/api/jobs/${single.id}/result/1`)).status).toBe(200);
          expect((await fetch(`${url}/api/jobs/${single.id}/result/2`)).status).toBe(404);
        });
      } finally {
        await fal.close();
      }
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

    // The test's timeout, under the 20 s a wait may last, shows the answer came with the end, not the deadline.
    it('long-polls: GET ?wait=N answers once the job ends, or after N s with the job as it stands', { timeout: 15_000 }, async () => {
      await withServer(start, { mockDelayMs: 120_000 }, async (url) => {
        const { id } = await submit(url);
        await waitFor(url, id, ['running']);
        const short = await fetch(`${url}/api/jobs/${id}?wait=1`);
        expect(short.status).toBe(200);
        expect(await short.json()).toMatchObject({ id, status: 'running' });

        const long = fetch(`${url}/api/jobs/${id}?wait=20`);
        const cancel = await fetch(`${url}/api/jobs/${id}`, { method: 'DELETE' });
        expect(cancel.status).toBe(200);
        const answer = await long;
        expect(answer.status).toBe(200);
        expect(await answer.json()).toMatchObject({ id, status: 'cancelled', error: { code: 'job_cancelled' } });
        // An ended job answers at once, whatever the wait.
        expect(await (await fetch(`${url}/api/jobs/${id}?wait=20`)).json()).toMatchObject({ status: 'cancelled' });

        for (const bad of ['21', '-1', 'soon', '1.5']) {
          const res = await fetch(`${url}/api/jobs/${id}?wait=${bad}`);
          expect(res.status, bad).toBe(400);
          expect(await res.json()).toMatchObject({ code: 'bad_request' });
        }
      });
    });

    it('cancels a queued job before it runs', async () => {
      await withServer(start, { mockDelayMs: 120_000, jobConcurrency: 1, maxConcurrentEdits: 1 }, async (url) => {
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
        // The result is written just before the final record, so it expires just before it: wait for
        // the record to go, then the result is gone too.
        await poll(async () => {
          const res = await fetch(`${url}/api/jobs/${id}/result`);
          if (res.status !== 404) expect([200, 409]).toContain(res.status);
          return (await fetch(`${url}/api/jobs/${id}`)).status === 404 ? true : undefined;
        });
        expect((await fetch(`${url}/api/jobs/${id}/result`)).status).toBe(404);
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

    // The test's timeout, under the 20 s the wait asks for, shows the refusal came before any waiting.
    it('with access tokens, a long poll by another token on a running job is 404 at once', { timeout: 15_000 }, async () => {
      const [a, b] = ['ff_token_a_0123456789abcdef0123456789', 'ff_token_b_0123456789abcdef0123456789'];
      await withServer(start, { serverTokens: [a, b], mockDelayMs: 120_000 }, async (url) => {
        const mine = { Authorization: `Bearer ${a}` };
        const { id } = await submit(url, {}, undefined, mine);
        await waitFor(url, id, ['running'], mine);
        const other = await fetch(`${url}/api/jobs/${id}?wait=20`, { headers: { Authorization: `Bearer ${b}` } });
        expect(other.status).toBe(404);
        expect(await other.json()).toMatchObject({ code: 'not_found' });
        const own = await fetch(`${url}/api/jobs/${id}?wait=1`, { headers: mine });
        expect(await own.json()).toMatchObject({ id, status: 'running' });
        expect((await fetch(`${url}/api/jobs/${id}`, { method: 'DELETE', headers: mine })).status).toBe(200);
      });
    });

    it('refuses an aspect ratio the model does not take exactly as /api/edit does, before anything is queued', async () => {
      // Every provider the job runner resolves is recorded: a queued job would show up here.
      const resolved: string[] = [];
      const observe: typeof resolveProvider = (requested, ...rest) => {
        resolved.push(String(requested));
        return resolveProvider(requested, ...rest);
      };
      // One job at a time, first in first out: had the refused job been queued, it would run before the next one.
      await withServer(start, { jobConcurrency: 1, googleApiKey: 'gk-never-sent', falKey: 'fk-never-sent' }, async (url) => {
        const image = await jpeg(90, 60);
        for (const [provider, ratio] of [['google', '7:3'], ['fal:fal-ai/nano-banana-2/edit', '2:7']] as const) {
          const fields = { provider, aspect_ratio: ratio, prompt: 'stage it' };
          const job = await fetch(`${url}/api/jobs`, { method: 'POST', body: form([['images', image, 'room.jpg']], fields) });
          const edit = await postEdit(url, form([['images', image, 'room.jpg']], fields));
          expect(job.status, provider).toBe(400);
          expect(edit.status, provider).toBe(400);
          const body = (await job.json()) as { code: string; detail: string };
          expect(body).toEqual(await edit.json());
          expect(body.code).toBe('invalid_option');
          expect(body.detail).toContain(`"${ratio}"`);
          expect(body.detail).toMatch(/Valid: .*16:9/);
        }
        resolved.length = 0; // /api/edit resolved its providers above; from here on only jobs resolve
        const { id } = await submit(url, { provider: 'mock' });
        await waitFor(url, id, ['succeeded']);
        expect(resolved).toEqual(['mock']);
      }, { resolveProvider: observe });
    });

    it('carries every edit field of the form: the result equals /api/edit\'s, and the model got the same request', async () => {
      const requests: EditRequest[] = [];
      const observe: typeof resolveProvider = async (...args) => {
        const out = await resolveProvider(...args);
        const { provider } = out;
        return { ...out, provider: { ...provider, edit: (request, context) => (requests.push(request), provider.edit(request, context)) } };
      };
      await withServer(start, {}, async (url) => {
        const image = await jpeg(120, 80);
        const fields = {
          provider: 'mock', prompt: 'add a reading lamp', room: 'living-room', style: 'scandinavian',
          label: 'Virtually staged', label_position: 'top-left', disclosure: 'false', cache: 'false', size: '2K', aspect_ratio: '3:2',
        };
        const accepted = await submit(url, fields, image);
        await waitFor(url, accepted.id, ['succeeded']);
        const fromJob = Buffer.from(await (await fetch(`${url}${accepted.result_url}`)).arrayBuffer());
        const direct = await postEdit(url, form([['images', image, 'room.jpg']], fields));
        expect(direct.status).toBe(200);
        const fromEdit = Buffer.from(await direct.arrayBuffer());
        // A dropped label or disclosure changes the bytes (drawn pixels, the XMP packet).
        expect(fromJob.equals(fromEdit)).toBe(true);
        expect(fromJob.includes(Buffer.from('DigitalSourceType'))).toBe(false);
        const plain = await postEdit(url, form([['images', image, 'room.jpg']], { provider: 'mock' }));
        expect(Buffer.from(await plain.arrayBuffer()).equals(fromJob)).toBe(false);
        // What reached the model: the prompt built from room, style and prompt, the size and the ratio.
        expect(requests).toHaveLength(3); // the job, the same form to /api/edit, the plain one
        expect(requests[0]!.prompt).toBe(requests[1]!.prompt);
        expect(requests[0]!.prompt).toMatch(/reading lamp/);
        expect(requests[0]!.prompt).toMatch(/scandinavian/i);
        expect(requests[0]!.options).toEqual(requests[1]!.options);
        expect(requests[0]!.options).toMatchObject({ aspectRatio: '3:2', output: { tier: '2K', asked: true } });
      }, { resolveProvider: observe });
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
