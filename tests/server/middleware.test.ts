/**
 * CORS, rate limits, compression, timeouts and cancellation, against the
 * real server on port 0.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startGeminiServer } from '../fakes/gemini-server.js';
import { form, jpeg, partHead, postEdit, rawRequest, requestHead, startServer, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
async function start(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(`${url}/api/edit`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-google-api-key, x-fal-key' },
  });
}

/** node:http, so that Content-Encoding is seen as sent (fetch decodes it). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('CORS', () => {
  it.each([
    ['a JSON array', '["http://localhost:5173"]'],
    ['a comma list', 'http://localhost:5173, https://app.example.com'],
  ])('ALLOWED_ORIGINS as %s: an allowed origin passes the preflight with the key headers; another gets no CORS headers', async (_, value) => {
    const config = await loadConfig({ cwd: '/nonexistent-dir', env: { ALLOWED_ORIGINS: value } });
    const server = await start({ allowedOrigins: config.allowedOrigins });

    const ok = await preflight(server.url, 'http://localhost:5173');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = ok.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const h of ['x-google-api-key', 'x-gemini-api-key', 'x-fal-key', 'authorization', 'content-type']) expect(allowed).toContain(h);

    const other = await preflight(server.url, 'http://evil.example');
    expect(other.status).toBe(204);
    expect([...other.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);

    const edit = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'mock' }), { Origin: 'http://localhost:5173' });
    expect(edit.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const exposed = edit.headers.get('access-control-expose-headers')!;
    for (const h of ['X-Request-Id', 'X-FrameForge-Provider', 'X-FrameForge-Mock', 'X-FrameForge-Fallback']) expect(exposed).toContain(h);
    const refused = await fetch(`${server.url}/api/health`, { headers: { Origin: 'http://evil.example' } });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('every answer carries the request id, CORS and its own headers, each once: health, a compressed document, 404, 405', async () => {
    const server = await start({ allowedOrigins: ['http://localhost:5173'] });
    const origin = { Origin: 'http://localhost:5173', 'X-Request-Id': 'req-7', 'Accept-Encoding': 'br' };
    const cors = {
      'x-request-id': 'req-7',
      'access-control-allow-origin': 'http://localhost:5173',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Request-Id, X-FrameForge-Provider, X-FrameForge-Mock, X-FrameForge-Fallback, Retry-After, Content-Length',
    };
    const own = ({ headers }: { headers: http.IncomingHttpHeaders }) => {
      const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
      return rest;
    };
    const health = await rawGet(`${server.url}/api/health`, origin);
    expect(own(health)).toEqual({ ...cors, vary: 'Origin', 'cache-control': 'no-cache', 'content-type': 'application/json; charset=utf-8', 'content-length': '15' });
    const doc = await rawGet(`${server.url}/api/openapi.json`, origin);
    expect(own(doc)).toEqual({
      ...cors, vary: 'Origin, Accept-Encoding', 'cache-control': 'no-cache', 'content-type': 'application/json; charset=utf-8',
      'content-encoding': 'br', 'content-length': String(doc.body.length),
    });
    const missing = await rawGet(`${server.url}/api/nothing`, origin);
    expect(missing.status).toBe(404);
    expect(own(missing)).toMatchObject({ ...cors, vary: 'Origin', 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' });
    const wrong = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.request(`${server.url}/api/health`, { method: 'DELETE', headers: origin }, resolve).on('error', reject).end(),
    );
    wrong.resume();
    expect(wrong.statusCode).toBe(405);
    expect(own(wrong)).toMatchObject({ ...cors, vary: 'Origin', allow: 'GET, HEAD', 'cache-control': 'no-store' });
  });

  it('matches an origin exactly: a listed origin as a prefix, a suffix or another port or scheme is refused', async () => {
    const server = await start({ allowedOrigins: ['http://localhost:5173'] });
    for (const origin of ['http://localhost:5173.evil.example', 'http://localhost:51734', 'https://localhost:5173', 'http://localhost', 'http://evil.example/http://localhost:5173']) {
      const pre = await preflight(server.url, origin);
      expect([...pre.headers.keys()].filter((k) => k.startsWith('access-control-')), origin).toEqual([]);
      const res = await fetch(`${server.url}/api/health`, { headers: { Origin: origin } });
      expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-')), origin).toEqual([]);
    }
  });

  it('answers with Vary: Origin whenever the answer depends on the origin, so a cache cannot serve one origin\'s answer to another', async () => {
    const server = await start({ allowedOrigins: ['http://localhost:5173'] });
    const allowed = await fetch(`${server.url}/api/health`, { headers: { Origin: 'http://localhost:5173' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('vary')).toMatch(/\bOrigin\b/);
    const refused = await fetch(`${server.url}/api/health`, { headers: { Origin: 'http://evil.example' } });
    expect(refused.headers.get('vary')).toMatch(/\bOrigin\b/);
    expect((await preflight(server.url, 'http://localhost:5173')).headers.get('vary')).toMatch(/\bOrigin\b/);
    expect((await preflight(server.url, 'http://evil.example')).headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it('* allows any origin without credentials', async () => {
    const server = await start({ allowedOrigins: ['*'] });
    const res = await preflight(server.url, 'http://anything.example');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('rate limits', () => {
  it('the edit after the configured number in the window is 429 with Retry-After; other routes still answer', async () => {
    const server = await start({ editsPerHour: 3, requestsPerHour: 1000 });
    const image = await jpeg();
    for (let i = 0; i < 3; i++) expect((await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }))).status).toBe(200);
    const limited = await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(((await limited.json()) as { code: string }).code).toBe('rate_limited');
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('the default limits are contract 3\'s: the 101st edit in an hour is 429', async () => {
    const server = await start({}, { limits: { fileSize: 1024 } });
    // Edits that fail fast still count: no image decoding needed to reach the limit.
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push((await postEdit(server.url, form([], {}))).status);
    expect(statuses.slice(0, 100).every((s) => s === 400)).toBe(true);
    expect(statuses[100]).toBe(429);
  });

  it('other requests have their own limit', async () => {
    const server = await start({ requestsPerHour: 2 });
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/providers`)).status).toBe(200);
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('X-Forwarded-For counts only with TRUST_PROXY', async () => {
    const untrusted = await start({ requestsPerHour: 1 });
    expect((await fetch(`${untrusted.url}/api/health`, { headers: { 'X-Forwarded-For': '203.0.113.1' } })).status).toBe(200);
    expect((await fetch(`${untrusted.url}/api/health`, { headers: { 'X-Forwarded-For': '203.0.113.2' } })).status).toBe(429);

    const trusted = await start({ requestsPerHour: 1, trustProxy: true });
    expect((await fetch(`${trusted.url}/api/health`, { headers: { 'X-Forwarded-For': '203.0.113.1' } })).status).toBe(200);
    expect((await fetch(`${trusted.url}/api/health`, { headers: { 'X-Forwarded-For': '203.0.113.2' } })).status).toBe(200);
    // The last entry is the one our proxy added; a forged first entry does not dodge the limit.
    expect((await fetch(`${trusted.url}/api/health`, { headers: { 'X-Forwarded-For': '198.51.100.9, 203.0.113.2' } })).status).toBe(429);
  });
});

describe('compression', () => {
  it('compresses JSON with br or gzip when accepted, never an image', async () => {
    const server = await start();
    const br = await rawGet(`${server.url}/api/openapi.json`, { 'Accept-Encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toContain('Accept-Encoding');
    const gz = await rawGet(`${server.url}/api/openapi.json`, { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    const plain = await rawGet(`${server.url}/api/openapi.json`, {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.body.length).toBeLessThan(plain.body.length);
    const { brotliDecompressSync, gunzipSync } = await import('node:zlib');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);

    const edit = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'mock' }), { 'Accept-Encoding': 'gzip, br' });
    expect(edit.status).toBe(200);
    expect(edit.headers.get('content-encoding')).toBeNull();
  });
});

describe('timeouts and cancellation', () => {
  it('a stalled upload gets 408', async () => {
    const server = await start({}, { uploadIdleMs: 300 });
    const head = partHead('images', 'slow.jpg');
    // Promises 100 KB, sends a few bytes, then nothing.
    const res = await rawRequest(server.url, requestHead(server.url, 100_000), [head, Buffer.from([0xff, 0xd8, 0xff])]);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'request_timeout' });
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('the edit route deadline answers 408 while the upload is still due', async () => {
    // The idle timer (30 s) would not fire yet; the route's own deadline does.
    const server = await start({}, { editTimeoutMs: 400 });
    const res = await rawRequest(server.url, requestHead(server.url, 1_000_000), [partHead('images', 'slow.jpg'), Buffer.from([0xff, 0xd8])]);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'request_timeout' });
  });

  it('a client that disconnects cancels the provider call', async () => {
    // A Gemini that never answers: the call is in flight once the fake has received it.
    const gemini = await startGeminiServer();
    try {
      gemini.script('generate', { until: new Promise(() => undefined) });
      const server = await start({ googleApiKey: 'disconnect-test-key', googleBaseUrl: gemini.url });
      const controller = new AbortController();
      const request = fetch(`${server.url}/api/edit`, {
        method: 'POST',
        body: form([['images', await jpeg(), 'a.jpg']], { provider: 'google' }),
        signal: controller.signal,
      }).catch(() => undefined);
      const call = await gemini.waitForCall('generate');
      controller.abort();
      await request;
      // The provider's connection is dropped by FrameForge, not answered: the call was cancelled.
      await call.abandoned;
      const line = await server.waitForLog((l) => l.path === '/api/edit');
      expect(line).toMatchObject({ status: 499, aborted: true });
      expect(gemini.calls).toHaveLength(1);
    } finally {
      await gemini.close();
    }
  });
});

describe('DEV_MODE', () => {
  it('answers as mock without a key and marks the result X-FrameForge-Fallback: mock', async () => {
    const server = await start({ devMode: true });
    const res = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'google' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frameforge-fallback')).toBe('mock');
    expect(res.headers.get('x-frameforge-mock')).toBe('true');
    expect(server.logs.some((l) => l.includes('"level":"warn"') && l.includes('DEV_MODE'))).toBe(true);
  });
});
