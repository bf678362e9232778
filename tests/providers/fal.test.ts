/**
 * The fal adapter, through the real @fal-ai/client and the edit core, against
 * the fake fal (proxy protocol, storage, queue, CDN): what goes on the wire,
 * which input field each model gets, and how each failure reaches the user.
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { editImage, type EditJob } from '../../src/core/edit.js';
import { FrameForgeError } from '../../src/core/errors.js';
import type { RetryInfo } from '../../src/core/retry.js';
import { failure } from '../support/failure.js';
import type { Settings } from '../../src/core/settings.js';
import { downloadResult } from '../../src/providers/download.js';
import { assertSafeUrl, UnsafeUrlError } from '../../src/providers/safe-url.js';
import { createFalProvider } from '../../src/providers/fal.js';
import { resolveProvider } from '../../src/providers/registry.js';
import { startFakeServer, type FakeServer } from '../fakes/fake-http.js';
import { falError, falTarget, startFalServer, type FalServer, type FalServerOptions } from '../fakes/fal-server.js';
import { solidJpeg, solidPng } from '../fakes/test-images.js';
import { quietPeriod } from '../support/wait.js';

const KEY = 'fal-key-id:fal-secret-8c2f';
let fal: FalServer;

async function startFal(options: FalServerOptions = {}) {
  fal = await startFalServer({ apiKey: KEY, ...options });
}

beforeEach(async () => {
  await startFal();
});
afterEach(async () => {
  await fal.close();
});

async function edit(endpoint: string, job: Partial<EditJob> = {}, values: Partial<Settings> = {}) {
  const cfg = configFrom({ falKey: KEY, falProxyUrl: fal.proxyUrl, ...values });
  const provider = createFalProvider({ id: `fal:${endpoint}`, endpoint, apiKey: KEY, proxyUrl: fal.proxyUrl, pollIntervalMs: 10 });
  const image = { data: await solidJpeg(), name: 'room.jpg' };
  return editImage({ provider, requestedId: provider.id, warnings: [] }, { image, prompt: 'Add a sofa', ...job }, cfg);
}


const submitted = () => fal.jobs.map((j) => j.input as Record<string, unknown>);

/** Replaces this test's fake fal with one made with `options`. */
async function restartFal(options: FalServerOptions) {
  await fal.close();
  await startFal(options);
}

/** Starts an edit, aborts it (as Ctrl-C would) once the fake has received the `count`-th call to `route`, and returns its error. */
async function cancelledEdit(endpoint: string, route: string, count = 1): Promise<FrameForgeError> {
  const controller = new AbortController();
  const pending = edit(endpoint, { signal: controller.signal });
  await fal.waitForCall(route, count);
  controller.abort();
  return failure(pending);
}

describe('fal flow', () => {
  it('uploads each image, submits image_urls to nano-banana/edit, polls owner/alias, returns the CDN bytes', async () => {
    const withExif = await sharp(await solidJpeg(40, 30)).withExif({ IFD0: { Copyright: 'GPS-SECRET-PLACE' } }).jpeg().toBuffer();
    const cfg = configFrom({ falKey: KEY, falProxyUrl: fal.proxyUrl });
    // Through the registry, as the CLI and server do: FAL_PROXY_URL routes every API call.
    const resolved = await resolveProvider('fal:fal-ai/nano-banana/edit', cfg);
    const outcome = await editImage(
      resolved,
      { image: { data: withExif, name: 'room.jpg' }, references: [{ data: await solidPng(), name: 'sofa.png' }], prompt: 'Add a sofa', format: 'png', disclosure: false },
      cfg,
    );

    expect(fal.callsTo('initiate')).toHaveLength(2);
    expect(fal.callsTo('upload')).toHaveLength(2);
    const uploaded = [...fal.uploads.values()];
    expect(uploaded.map((u) => u.contentType)).toEqual(['image/jpeg', 'image/png']);
    expect(uploaded[0]!.data.includes('GPS-SECRET-PLACE')).toBe(false);

    const [submit] = fal.callsTo('submit');
    expect(falTarget(submit!)!.href).toBe('https://queue.fal.run/fal-ai/nano-banana/edit');
    expect(submit!.headers.authorization).toBe(`Key ${KEY}`);
    expect(submit!.json).toMatchObject({ prompt: 'Add a sofa', image_urls: [...fal.uploads.keys()], output_format: 'png' });
    expect(submit!.json).not.toHaveProperty('image_url');

    const statuses = fal.callsTo('status');
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(falTarget(statuses[0]!)!.pathname).toBe(`/fal-ai/nano-banana/requests/${fal.jobs[0]!.id}/status`);
    expect(falTarget(fal.callsTo('result')[0]!)!.pathname).toBe(`/fal-ai/nano-banana/requests/${fal.jobs[0]!.id}`);
    expect(fal.callsTo('cdn')).toHaveLength(1);

    // With the disclosure left out, the result is the CDN's bytes unchanged (the fake's PNG carries no metadata).
    expect(outcome.data.equals(fal.image)).toBe(true);
    expect(outcome.requestId).toBe(fal.jobs[0]!.id);
  });

  it('sends one image_url to fal-ai/flux-kontext/dev, the aspect ratio on resolution_mode', async () => {
    const outcome = await edit('fal-ai/flux-kontext/dev', { options: { aspectRatio: '16:9', seed: 3 } });
    const [input] = submitted();
    expect(typeof input!.image_url).toBe('string');
    expect(input).not.toHaveProperty('image_urls');
    expect(input).not.toHaveProperty('aspect_ratio');
    expect(input!.resolution_mode).toBe('16:9');
    expect(input!.seed).toBe(3);
    expect(falTarget(fal.callsTo('status')[0]!)!.pathname).toMatch(/^\/fal-ai\/flux-kontext\/requests\//);
    expect(outcome.warnings).toEqual([]);
  });

  it('passes aspect ratio, seed and number of outputs to a model that takes them', async () => {
    const outcome = await edit('fal-ai/nano-banana/edit', { options: { aspectRatio: '4:3', seed: 9 }, variations: 2 });
    expect(submitted()[0]).toMatchObject({ aspect_ratio: '4:3', seed: 9, num_images: 2 });
    expect(outcome.warnings).toEqual([]);
  });

  it('sends image_urls to an unknown model, and image_url when the user forces it', async () => {
    await edit('someone/new-model/edit');
    await edit('someone/new-model/edit', { options: { imageField: 'image_url' } });
    expect(submitted()[0]).toHaveProperty('image_urls');
    expect(submitted()[1]).toHaveProperty('image_url');
    expect(falTarget(fal.callsTo('status')[0]!)!.pathname).toMatch(/^\/someone\/new-model\/requests\//);
  });

  it('refuses several images for a one-image model before anything is uploaded', async () => {
    const references = [{ data: await solidPng(), name: 'sofa.png' }];
    const known = await failure(edit('fal-ai/flux-kontext/dev', { references }));
    expect(known.code).toBe('too_many_images');
    const forced = await failure(edit('someone/new-model', { references, options: { imageField: 'image_url' } }));
    expect(forced.code).toBe('too_many_images');
    expect(forced.message).toMatch(/takes one image/);
    expect(fal.calls).toHaveLength(0);
  });

  it('takes the last image of the output, and a data: URI result works', async () => {
    const last = await solidPng(33, 7);
    await restartFal({
      output: (_job, url) => ({ images: [{ url }, { url: `data:image/png;base64,${last.toString('base64')}` }] }),
    });
    const outcome = await edit('fal-ai/nano-banana/edit', { format: 'png' });
    expect((await sharp(outcome.data).metadata()).width).toBe(33);
    expect(fal.callsTo('cdn')).toHaveLength(0);
  });

  it.each([
    ['no images', { images: [], description: 'I cannot do that.' }, /I cannot do that/],
    ['a safety-checked black image', { images: [{ url: 'IMAGE' }], has_nsfw_concepts: [true] }, /safety checker/],
  ])('an output with %s is model_refused (HTTP 422)', async (_name, output, message) => {
    await restartFal({ output: (_job, url) => JSON.parse(JSON.stringify(output).replace('IMAGE', url)) });
    const error = await failure(edit('fal-ai/flux-kontext/dev'));
    expect([error.code, error.status]).toEqual(['model_refused', 422]);
    expect(error.message).toMatch(message);
  });
});

describe('fal result download', () => {
  const signal = new AbortController().signal;
  const allowed = () => [new URL(fal.url).host];

  it('refuses URLs that are not https: or data:', async () => {
    const error = await failure(downloadResult('file:///etc/passwd', { providerId: 'fal:x/y', signal }));
    expect(error.code).toBe('result_url_refused');
    expect(error.message).toMatch(/file: URLs are refused/);
  });

  it('stops reading beyond the byte cap', async () => {
    const big = Buffer.alloc(64 * 1024, 1);
    await restartFal({ image: big });
    const url = `${fal.url}/cdn/files/result-x.png`;
    const error = await failure(downloadResult(url, { providerId: 'fal:x/y', signal, maxBytes: 1024, allowedHosts: allowed() }));
    expect(error.message).toMatch(/larger than/);
    expect((await downloadResult(url, { providerId: 'fal:x/y', signal, allowedHosts: allowed() })).data.length).toBe(big.length);
  });

  describe('a result URL on another loopback port (not the proxy\'s)', () => {
    let other: FakeServer;
    beforeEach(async () => {
      // Stands for anything on the server's own network: an admin port, a metadata service.
      other = await startFakeServer(() => ({ route: 'secret', reply: () => ({ status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from('internal') }) }));
    });
    afterEach(() => other.close());

    it('is refused with 502 naming the host, and nothing is fetched from it', async () => {
      const otherHost = new URL(other.url).host;
      await restartFal({ output: () => ({ images: [{ url: `${other.url}/admin/export.png`, content_type: 'image/png' }] }) });
      const error = await failure(edit('fal-ai/nano-banana/edit'));
      expect([error.code, error.status]).toEqual(['result_url_refused', 502]);
      expect(error.message).toContain(otherHost);
      expect(error.message).toContain('Nothing was fetched');
      expect(other.calls).toHaveLength(0);
    });

    it('is refused when the proxy\'s own result URL redirects to it, and nothing is fetched from it', async () => {
      await restartFal({});
      fal.script('cdn', { status: 302, headers: { location: `${other.url}/admin/export.png` } });
      const error = await failure(edit('fal-ai/nano-banana/edit'));
      expect(error.code).toBe('result_url_refused');
      expect(error.message).toContain(new URL(other.url).host);
      expect(fal.callsTo('cdn')).toHaveLength(1);
      expect(other.calls).toHaveLength(0);
    });

    it('is fetched when FAL_ALLOWED_RESULT_HOSTS names it, redirect included', async () => {
      await restartFal({});
      fal.script('cdn', { status: 302, headers: { location: `${other.url}/admin/export.png` } });
      const image = await solidPng(8, 8);
      other.script('secret', { status: 200, headers: { 'content-type': 'image/png' }, body: image });
      const cfg = configFrom({ falKey: KEY, falProxyUrl: fal.proxyUrl, falAllowedResultHosts: [new URL(other.url).host] });
      const resolved = await resolveProvider('fal:fal-ai/nano-banana/edit', cfg);
      const outcome = await editImage(resolved, { image: { data: await solidJpeg(), name: 'room.jpg' }, prompt: 'x' }, cfg);
      expect(outcome.data.length).toBeGreaterThan(0);
      expect(other.calls.map((c) => c.path)).toEqual(['/admin/export.png']);
    });
  });
});

describe('assertSafeUrl', () => {
  const resolvesTo = (...addresses: string[]) => ({
    lookup: async () => addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 })),
  });

  it('takes https: on public addresses, checking every address the name resolves to', async () => {
    await expect(assertSafeUrl('https://v3.fal.media/files/x.png', resolvesTo('34.120.1.2', '2600:1901::1'))).resolves.toMatchObject({ allowed: false });
    for (const bad of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.0.10', '169.254.169.254', '100.100.100.200', '0.0.0.0', '::1', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '2002:c0a8:0001::1']) {
      await expect(assertSafeUrl('https://cdn.example.com/x.png', resolvesTo('34.120.1.2', bad)), bad).rejects.toBeInstanceOf(UnsafeUrlError);
    }
  });

  it('checks IP literals without DNS, and refuses http:, other schemes and credentials off the allowed hosts', async () => {
    const noDns = { lookup: () => Promise.reject(new Error('no DNS for literals')) };
    await expect(assertSafeUrl('https://[::ffff:169.254.169.254]/latest/meta-data', noDns)).rejects.toThrow(/link-local/);
    await expect(assertSafeUrl('https://127.0.0.1:8443/x', noDns)).rejects.toThrow(/127\.0\.0\.1:8443: a loopback address/);
    await expect(assertSafeUrl('https://8.8.8.8/x', noDns)).resolves.toMatchObject({ allowed: false });
    await expect(assertSafeUrl('http://cdn.example.com/x', resolvesTo('34.120.1.2'))).rejects.toThrow(/http: URLs are refused/);
    await expect(assertSafeUrl('data:image/png;base64,AAAA')).rejects.toThrow(/data: URLs are refused/);
    await expect(assertSafeUrl('https://user:pw@cdn.example.com/x', resolvesTo('34.120.1.2'))).rejects.toThrow(/credentials/);
  });

  it('lets an allowed host be http: and private: a bare host on any port, host:port on that port only', async () => {
    await expect(assertSafeUrl('http://127.0.0.1:4000/x', { allowedHosts: ['127.0.0.1:4000'] })).resolves.toMatchObject({ allowed: true });
    await expect(assertSafeUrl('http://127.0.0.1:4001/x', { allowedHosts: ['127.0.0.1:4000'] })).rejects.toThrow(/127\.0\.0\.1:4001/);
    await expect(assertSafeUrl('http://gateway.internal:9000/x', { allowedHosts: ['gateway.internal'] })).resolves.toMatchObject({ allowed: true });
    await expect(assertSafeUrl('https://cdn.example.com/x', { allowedHosts: ['cdn.example.com:443'] })).resolves.toMatchObject({ allowed: true });
    await expect(assertSafeUrl('http://[::1]:8080/x', { allowedHosts: ['[::1]:8080'] })).resolves.toMatchObject({ allowed: true });
  });
});

describe('fal failures', () => {
  it('429 with Retry-After: 1 is retried once, after the one second fal asked for', async () => {
    fal.script('submit', falError(429, 'Rate limit exceeded', { 'retry-after': '1' }));
    const retries: RetryInfo[] = [];
    const outcome = await edit('fal-ai/nano-banana/edit', { onRetry: (info) => retries.push(info) });
    expect(fal.callsTo('submit')).toHaveLength(2);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.error.code])).toEqual([[1, 1000, 'provider_rate_limited']]);
    expect(outcome.attempts).toBe(2);
  });

  it('a bad key is invalid_api_key: HTTP 401, exit 2, names FAL_KEY, no retry', async () => {
    fal.script('initiate', falError(401, 'Invalid API key'));
    const error = await failure(edit('fal-ai/nano-banana/edit'));
    expect(error.code).toBe('invalid_api_key');
    expect([error.status, error.exitCode]).toEqual([401, 2]);
    expect(error.detail).toMatch(/FAL_KEY/);
    expect(fal.calls).toHaveLength(1);
  });

  it('a content policy violation (422) is model_refused with fal\'s words, not retried', async () => {
    fal.script('result', falError(422, [{ loc: ['body', 'prompt'], msg: 'The content could not be processed.', type: 'content_policy_violation' }]));
    const error = await failure(edit('fal-ai/nano-banana/edit'));
    expect([error.code, error.status]).toEqual(['model_refused', 422]);
    expect(error.message).toMatch(/content could not be processed/);
    expect(fal.callsTo('submit')).toHaveLength(1);
  });

  it.each([
    [400, 'provider_rejected'],
    [403, 'invalid_api_key'],
    [404, 'unknown_provider'],
  ])('%i on submit is %s and not retried', async (status, code) => {
    fal.script('submit', falError(status, 'nope'));
    expect((await failure(edit('fal-ai/nano-banana/edit'))).code).toBe(code);
    expect(fal.callsTo('submit')).toHaveLength(1);
  });

  it('a 5xx is one HTTP attempt per SDK call (fal\'s own retries are off); the core retries the edit', async () => {
    fal.script('status', falError(500, 'Internal error'), falError(503, 'runner_scheduling_failure'));
    const error = await failure(edit('fal-ai/nano-banana/edit', {}, { maxRetries: 1 }));
    expect([error.code, error.status]).toEqual(['provider_error', 502]);
    expect(error.message).toMatch(/runner_scheduling_failure/);
    expect(fal.callsTo('status')).toHaveLength(2);
  });

  it('a dropped connection is provider_unreachable, without fal\'s hidden network retries', async () => {
    fal.script('submit', { drop: true });
    const error = await failure(edit('fal-ai/nano-banana/edit', {}, { maxRetries: 0 }));
    expect(error.code).toBe('provider_unreachable');
    expect(fal.callsTo('submit')).toHaveLength(1);
  });

  it('a job that never completes hits the edit deadline: provider_timeout (HTTP 504)', async () => {
    await restartFal({ pollsUntilDone: Infinity });
    const error = await failure(edit('fal-ai/nano-banana/edit', {}, { editTimeoutSeconds: 1 }));
    expect([error.code, error.status]).toEqual(['provider_timeout', 504]);
    expect(fal.callsTo('result')).toHaveLength(0);
  });

  it('cancellation mid-poll stops polling and cancels the job at fal; nothing else reaches fal', async () => {
    await restartFal({ pollsUntilDone: Infinity });
    const error = await cancelledEdit('fal-ai/flux-pro/kontext/max', 'status', 3);
    expect(error.code).toBe('cancelled');
    // Polling runs every 10 ms here: a poll loop left running would show within a few intervals.
    const seen = fal.calls.length;
    await quietPeriod(100);
    expect(fal.calls).toHaveLength(seen);
    expect(fal.callsTo('result')).toHaveLength(0);
    // The cancel goes to owner/alias (provider-protocols B.2), with the key, once the edit has stopped.
    const [cancel, ...more] = fal.callsTo('cancel');
    expect(more).toHaveLength(0);
    expect(cancel!.method).toBe('PUT');
    expect(falTarget(cancel!)!.pathname).toBe(`/fal-ai/flux-pro/requests/${fal.jobs[0]!.id}/cancel`);
    expect(cancel!.headers.authorization).toBe(`Key ${KEY}`);
    expect(fal.calls.at(-1)).toBe(cancel);
  });

  it('the edit deadline cancels the job at fal too, and an edit stopped before submitting cancels nothing', async () => {
    await restartFal({ pollsUntilDone: Infinity });
    expect((await failure(edit('fal-ai/nano-banana/edit', {}, { editTimeoutSeconds: 1 }))).code).toBe('provider_timeout');
    expect(fal.callsTo('cancel')).toHaveLength(1);

    fal.script('submit', { status: 200, json: {}, delayMs: 5000 });
    expect((await cancelledEdit('fal-ai/nano-banana/edit', 'submit')).code).toBe('cancelled');
    expect(fal.callsTo('cancel')).toHaveLength(1);
  });

  it('a job left running when the retries run out is cancelled at fal, and the error is still fal\'s', async () => {
    fal.script('status', falError(502, 'Bad gateway'), falError(502, 'Bad gateway'));
    const error = await failure(edit('fal-ai/nano-banana/edit', {}, { maxRetries: 1 }));
    expect([error.code, error.status]).toEqual(['provider_error', 502]);
    expect(fal.callsTo('submit')).toHaveLength(1);
    const [cancel, ...more] = fal.callsTo('cancel');
    expect(more).toHaveLength(0);
    expect(falTarget(cancel!)!.pathname).toBe(`/fal-ai/nano-banana/requests/${fal.jobs[0]!.id}/cancel`);
  });

  it('a job that failed for good at fal is not cancelled', async () => {
    fal.script('result', falError(422, [{ loc: ['body', 'prompt'], msg: 'No.', type: 'content_policy_violation' }]));
    expect((await failure(edit('fal-ai/nano-banana/edit'))).code).toBe('model_refused');
    expect(fal.callsTo('cancel')).toHaveLength(0);
  });

  it('a job that already completed is not cancelled (it is billed either way)', async () => {
    fal.script('result', { delayMs: 5000 });
    expect((await cancelledEdit('fal-ai/nano-banana/edit', 'result')).code).toBe('cancelled');
    expect(fal.callsTo('cancel')).toHaveLength(0);
  });

  it('a cancel that fal does not answer holds the edit for a few seconds at most', async () => {
    await restartFal({ pollsUntilDone: Infinity });
    fal.script('cancel', { status: 202, json: {}, delayMs: 60_000 });
    expect((await cancelledEdit('fal-ai/nano-banana/edit', 'status')).code).toBe('cancelled');
    expect(fal.callsTo('cancel')).toHaveLength(1);
  }, 10_000);
});

describe('fal retries resume the same job', () => {
  it('a failed status poll is retried by polling the same job: one upload, one submit, one bill', async () => {
    const progress: string[] = [];
    fal.script('status', falError(502, 'Bad gateway'));
    const outcome = await edit('fal-ai/nano-banana/edit', { onProgress: (m) => progress.push(m) });
    expect(outcome.attempts).toBe(2);
    expect(fal.callsTo('initiate')).toHaveLength(1);
    expect(fal.callsTo('submit')).toHaveLength(1);
    expect(progress).toContain(`fal: resuming job ${fal.jobs[0]!.id}`);
    expect(outcome.data.length).toBeGreaterThan(0);
  });

  it('a failed result fetch fetches the same result again', async () => {
    fal.script('result', { drop: true });
    const outcome = await edit('fal-ai/nano-banana/edit');
    expect(outcome.attempts).toBe(2);
    expect(fal.callsTo('submit')).toHaveLength(1);
    expect(fal.callsTo('result')).toHaveLength(2);
  });

  it('a failed download downloads again, without asking fal anything', async () => {
    fal.script('cdn', { status: 503, body: 'busy' });
    const outcome = await edit('fal-ai/nano-banana/edit');
    expect(outcome.attempts).toBe(2);
    expect(fal.callsTo('result')).toHaveLength(1);
    expect(fal.callsTo('cdn')).toHaveLength(2);
  });

  it('a job that failed at fal (error_type) is submitted again, with the images already uploaded', async () => {
    fal.script('result', { status: 503, json: { detail: 'Runner disconnected', error_type: 'runner_disconnected' } });
    const outcome = await edit('fal-ai/nano-banana/edit');
    expect(outcome.attempts).toBe(2);
    expect(fal.callsTo('initiate')).toHaveLength(1);
    expect(fal.callsTo('submit')).toHaveLength(2);
    expect(fal.jobs[1]!.input).toEqual(fal.jobs[0]!.input);
  });

  it('an upload that failed part-way keeps the images uploaded before it', async () => {
    const references = [{ data: await solidPng(), name: 'sofa.png' }];
    // The first initiate answers as usual (a delay-only script), the second fails.
    fal.script('initiate', { delayMs: 1 }, falError(503, 'busy'));
    const outcome = await edit('fal-ai/nano-banana/edit', { references });
    expect(outcome.attempts).toBe(2);
    expect(fal.callsTo('initiate')).toHaveLength(3);
    expect(fal.callsTo('upload')).toHaveLength(2);
    const urls = (fal.jobs[0]!.input as { image_urls: string[] }).image_urls;
    expect(urls).toEqual([...fal.uploads.keys()]);
    expect(fal.callsTo('submit')).toHaveLength(1);
  });
});
