/**
 * Job webhooks, embedded and on a real Redis: signed per Standard Webhooks
 * (verified here by the `standardwebhooks` package, an implementation that is
 * not ours), retried after a failure, only to allowed hosts; with Redis,
 * delivered once by several workers and across a worker's death.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/core/settings.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import type { RecordedCall } from '../fakes/fake-http.js';
import { form, jpeg, startServer, type TestServer } from '../server/helpers.js';
import { useRedis } from '../support/redis.js';
import { quietPeriod } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { submit, waitFor } from './job-client.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** Verifies a delivery with the reference library and returns the payload it signed. */
function verified(call: RecordedCall): Record<string, unknown> {
  const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(call.headers[h])]));
  return new Webhook(SECRET).verify(call.body.toString('utf8'), headers) as Record<string, unknown>;
}

async function post(url: string, fields: Record<string, string>, image?: Buffer): Promise<Response> {
  return fetch(`${url}/api/jobs`, { method: 'POST', body: form([['images', image ?? (await jpeg()), 'room.jpg']], { provider: 'mock', ...fields }) });
}

type Start = (settings: Partial<Settings>) => Promise<TestServer>;

function webhookContract(name: string, start: Start): void {
  describe(`webhooks (${name})`, { timeout: 60_000 }, () => {
    let receiver: WebhookReceiver;
    beforeAll(async () => {
      receiver = await startWebhookReceiver();
    });
    afterAll(async () => {
      await receiver?.close();
    });
    const settings = (extra: Partial<Settings> = {}): Partial<Settings> => ({
      webhookSecret: SECRET,
      webhookAllowedHosts: [receiver.hostEntry],
      webhookRetryDelayMs: 50,
      ...extra,
    });
    async function withServer(extra: Partial<Settings>, fn: (server: TestServer) => Promise<void>): Promise<void> {
      const server = await start(settings(extra));
      try {
        await fn(server);
      } finally {
        await server.close();
      }
    }

    it('a succeeded job is POSTed once, signed so that the Standard Webhooks library verifies it', async () => {
      await withServer({}, async (server) => {
        const before = receiver.callsTo('hook').length;
        const job = await submit(server.url, { webhook_url: receiver.hookUrl });
        const call = await receiver.waitForCall('hook', before + 1);
        expect(call.headers['content-type']).toBe('application/json');
        expect(call.headers['webhook-id']).toBe(job.id);
        expect(verified(call)).toEqual({ id: job.id, status: 'succeeded', result_url: `/api/jobs/${job.id}/result`, result_urls: [`/api/jobs/${job.id}/result/1`] });
        // The result it points to is there.
        expect((await fetch(`${server.url}/api/jobs/${job.id}/result`)).status).toBe(200);
        // A signature made with another secret does not verify: the check above is not vacuous.
        expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(call.body.toString(), call.headers as Record<string, string>)).toThrow();
        await quietPeriod(300);
        expect(receiver.callsTo('hook').filter((c) => c.headers['webhook-id'] === job.id)).toHaveLength(1);
        for (const line of server.logs) expect(line).not.toContain(SECRET.slice(6));
      });
    });

    it('a receiver that answers 500 gets the same webhook again, and the retry verifies', async () => {
      await withServer({}, async (server) => {
        const before = receiver.callsTo('hook').length;
        receiver.script('hook', { status: 500, body: 'down' });
        const job = await submit(server.url, { webhook_url: receiver.hookUrl });
        const first = await receiver.waitForCall('hook', before + 1);
        const second = await receiver.waitForCall('hook', before + 2);
        for (const call of [first, second]) {
          expect(call.headers['webhook-id']).toBe(job.id);
          expect(verified(call)).toMatchObject({ id: job.id, status: 'succeeded' });
        }
        await quietPeriod(300);
        expect(receiver.callsTo('hook').filter((c) => c.headers['webhook-id'] === job.id)).toHaveLength(2);
      });
    });

    it('gives up after WEBHOOK_ATTEMPTS tries', async () => {
      await withServer({ webhookAttempts: 3 }, async (server) => {
        const before = receiver.callsTo('hook').length;
        receiver.script('hook', { status: 503 }, { status: 503 }, { status: 503 });
        const job = await submit(server.url, { webhook_url: receiver.hookUrl });
        await receiver.waitForCall('hook', before + 3);
        await quietPeriod(500);
        expect(receiver.callsTo('hook').filter((c) => c.headers['webhook-id'] === job.id)).toHaveLength(3);
      });
    });

    it('a job with variations: the signed webhook lists every result, as GET /api/jobs/{id} does', async () => {
      await withServer({}, async (server) => {
        const before = receiver.callsTo('hook').length;
        const job = await submit(server.url, { webhook_url: receiver.hookUrl, variations: '3' });
        const call = await receiver.waitForCall('hook', before + 1);
        const payload = verified(call);
        const urls = [1, 2, 3].map((n) => `/api/jobs/${job.id}/result/${n}`);
        expect(payload).toEqual({ id: job.id, status: 'succeeded', result_url: `/api/jobs/${job.id}/result`, result_urls: urls });
        const view = (await (await fetch(`${server.url}/api/jobs/${job.id}`)).json()) as { result_urls: string[] };
        expect(view.result_urls).toEqual(payload.result_urls);
        // Each URL the receiver was given answers with an image.
        for (const url of urls) {
          const res = await fetch(`${server.url}${url}`);
          expect(res.status, url).toBe(200);
          expect(res.headers.get('content-type')).toMatch(/^image\//);
        }
      });
    });

    it('a failed job\'s webhook carries its error', async () => {
      await withServer({}, async (server) => {
        const before = receiver.callsTo('hook').length;
        const job = await submit(server.url, { webhook_url: receiver.hookUrl }, Buffer.from('this is not an image'));
        const ended = await waitFor(server.url, job.id, ['succeeded', 'failed']);
        expect(ended.status).toBe('failed');
        const call = await receiver.waitForCall('hook', before + 1);
        expect(verified(call)).toEqual({ id: job.id, status: 'failed', result_url: `/api/jobs/${job.id}/result`, result_urls: [`/api/jobs/${job.id}/result/1`], error: ended.error });
        expect(ended.error).toMatchObject({ code: expect.any(String), detail: expect.any(String) });
      });
    });

    it('a cancelled job\'s webhook says so', async () => {
      await withServer({ mockDelayMs: 30_000 }, async (server) => {
        const before = receiver.callsTo('hook').length;
        const job = await submit(server.url, { webhook_url: receiver.hookUrl });
        await waitFor(server.url, job.id, ['running']);
        expect((await fetch(`${server.url}/api/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(200);
        const call = await receiver.waitForCall('hook', before + 1);
        expect(verified(call)).toMatchObject({ id: job.id, status: 'cancelled', error: { code: 'job_cancelled' } });
      });
    });

    it('refuses at submission a host outside WEBHOOK_ALLOWED_HOSTS, or a listed name on a private address; nothing is queued', async () => {
      await withServer({ webhookAllowedHosts: [receiver.hostEntry, `localhost:${new URL(receiver.url).port}`] }, async (server) => {
        const before = receiver.calls.length;
        const cases = [
          `http://127.0.0.1:${Number(new URL(receiver.url).port) + 1}/hook`, // another port: not listed
          'https://hooks.example.com/x', // not listed
          `http://localhost:${new URL(receiver.url).port}/hook`, // listed by name, but http: and loopback
          'not a url',
        ];
        for (const webhook_url of cases) {
          const res = await post(server.url, { webhook_url });
          expect(res.status, webhook_url).toBe(400);
          const body = (await res.json()) as { code: string; detail: string };
          expect(body.code).toBe('webhook_url_refused');
          expect(body.detail).toContain('webhook_url');
        }
        await quietPeriod(200);
        expect(receiver.calls.length).toBe(before);
      });
    });

    it('refuses webhook_url when the server has no WEBHOOK_SECRET, naming the setting', async () => {
      const server = await start({ webhookAllowedHosts: [receiver.hostEntry] });
      try {
        const res = await post(server.url, { webhook_url: receiver.hookUrl });
        expect(res.status).toBe(400);
        const body = (await res.json()) as { code: string; detail: string };
        expect(body).toMatchObject({ code: 'webhook_needs_secret' });
        expect(body.detail).toContain('WEBHOOK_SECRET');
      } finally {
        await server.close();
      }
    });
  });
}

webhookContract('embedded', (settings) => startServer({ logLevel: 'warn', ...settings }));

describe('with Redis', () => {
  const redis = useRedis();

  webhookContract('BullMQ on Redis', (settings) => startServer({ logLevel: 'warn', redisUrl: redis.server.url, ...settings }));

  it('nothing reaches Redis for a refused webhook_url', async () => {
    await redis.raw.flushall();
    const server = await startServer({ logLevel: 'warn', redisUrl: redis.server.url, webhookSecret: SECRET, webhookAllowedHosts: ['hooks.example.com'] }, { noWorker: true });
    try {
      const res = await post(server.url, { webhook_url: 'https://elsewhere.example.com/hook' });
      expect(res.status).toBe(400);
      expect(await redis.raw.keys('frameforge:job:*')).toEqual([]);
      expect(await redis.raw.llen('frameforge:edits:wait')).toBe(0);
    } finally {
      await server.close();
    }
  });

  describe('across worker processes', { timeout: 120_000 }, () => {
    let receiver: WebhookReceiver;
    let server: TestServer;
    const workers: WorkerProcess[] = [];
    const env = () => ({
      REDIS_URL: redis.server.url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOWED_HOSTS: receiver.hostEntry,
      WEBHOOK_RETRY_DELAY_MS: '100',
      // A dead worker's delivery comes back in seconds rather than a minute.
      JOB_LOCK_DURATION_MS: '4000',
      JOB_STALLED_INTERVAL_MS: '1000',
    });
    beforeAll(async () => {
      receiver = await startWebhookReceiver();
      server = await startServer(
        { logLevel: 'warn', redisUrl: redis.server.url, webhookSecret: SECRET, webhookAllowedHosts: [receiver.hostEntry] },
        { noWorker: true },
      );
    });
    afterAll(async () => {
      for (const worker of workers) await worker.stop();
      await server?.close();
      await receiver?.close();
    });

    it('three workers deliver each job\'s webhook once', async () => {
      for (let i = 0; i < 3; i++) workers.push(await startWorkerProcess(env(), ['--concurrency', '2']));
      const ids = await Promise.all(Array.from({ length: 6 }, async () => (await submit(server.url, { webhook_url: receiver.hookUrl })).id));
      await receiver.waitForCall('hook', ids.length);
      await quietPeriod(500);
      const delivered = receiver.callsTo('hook').map((call) => verified(call).id as string);
      expect(delivered.sort()).toEqual([...ids].sort());
      for (const worker of workers.splice(0)) await worker.stop();
    });

    it('a worker killed mid-delivery: another worker delivers the webhook', async () => {
      const before = receiver.callsTo('hook').length;
      let release!: () => void;
      // The first attempt is held open until the worker making it is dead.
      receiver.script('hook', { until: new Promise<void>((resolve) => (release = resolve)) });
      const first = await startWorkerProcess(env());
      workers.push(first);
      const job = await submit(server.url, { webhook_url: receiver.hookUrl });
      const held = await receiver.waitForCall('hook', before + 1);
      expect(held.headers['webhook-id']).toBe(job.id);
      await first.kill();
      release();
      workers.push(await startWorkerProcess(env()));
      const again = await receiver.waitForCall('hook', before + 2);
      expect(again.headers['webhook-id']).toBe(job.id);
      expect(verified(again)).toMatchObject({ id: job.id, status: 'succeeded' });
    });
  });
});
