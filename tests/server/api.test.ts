/**
 * The HTTP API of contract 3, spoken to over real sockets: routes, uploads,
 * errors, limits. Every bad request is followed by a health check, to show the
 * server still answers.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT } from '../../src/core/settings.js';
import { resolveProvider } from '../../src/providers/registry.js';
import type { EditRequest } from '../../src/providers/types.js';
import {
  allLogs,
  BOUNDARY,
  chunked,
  form,
  jpeg,
  partHead,
  postEdit,
  rawRequest,
  repeat,
  requestHead,
  startServer,
  type TestServer,
} from './helpers.js';

const MB = 1024 * 1024;
const GOOGLE_KEY = 'AIzaTestGoogleKey-0123456789';
const GEMINI_KEY = 'gemini-test-key-9876543210';
const FAL_KEY_HEADER = 'fal-test-key-abcdef:123456';
const FAL_AUTH_KEY = 'fal-auth-key-zyxwvu:654321';
const CONFIG_GOOGLE_KEY = 'configured-google-key-5555';

let server: TestServer;
const seen: { prompts: string[]; keys: object[]; images: number[] } = { prompts: [], keys: [], images: [] };

beforeAll(async () => {
  server = await startServer(
    { googleApiKey: CONFIG_GOOGLE_KEY },
    {
      // The real registry, observed: which keys each request brought, what reached the provider.
      resolveProvider: async (id, config, keys) => {
        seen.keys.push({ ...keys });
        const resolved = await resolveProvider(id, config, keys);
        const edit = resolved.provider.edit.bind(resolved.provider);
        resolved.provider = {
          ...resolved.provider,
          edit: (request: EditRequest, context) => {
            seen.prompts.push(request.prompt);
            seen.images.push(request.images.length);
            return edit(request, context);
          },
        };
        return resolved;
      },
    },
  );
});
afterAll(() => server.close());

async function expectHealthy(): Promise<void> {
  const res = await fetch(`${server.url}/api/health`);
  expect(res.status).toBe(200);
}

async function expectError(res: Response | { status: number; body: string }, status: number, code: string): Promise<void> {
  const text = res instanceof Response ? await res.text() : res.body;
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text) as { detail: unknown; code: unknown };
  expect(body.code).toBe(code);
  expect(typeof body.detail).toBe('string');
  expect((body.detail as string).length).toBeGreaterThan(10);
  await expectHealthy();
}

describe('routes', () => {
  it('GET /api/health answers {"status":"ok"}', async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe('{"status":"ok"}');
  });

  it('GET /api/providers answers the sorted list of contract 3', async () => {
    const res = await fetch(`${server.url}/api/providers`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      'fal:fal-ai/bytedance/seedream/v4.5/edit',
      'fal:fal-ai/bytedance/seedream/v4/edit',
      'fal:fal-ai/flux-2/edit',
      'fal:fal-ai/flux-kontext/dev',
      'fal:fal-ai/flux/dev/image-to-image',
      'fal:fal-ai/nano-banana-2/edit',
      'fal:fal-ai/nano-banana-pro/edit',
      'fal:fal-ai/nano-banana/edit',
      'fal:fal-ai/qwen-image-edit-2511',
      'google',
      'mock',
      'nano-banana',
      'nano-banana-pro',
    ]);
  });

  it('answers an unknown route with 404 JSON', async () => {
    await expectError(await fetch(`${server.url}/api/nothing?x=1`), 404, 'not_found');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await fetch(`${server.url}/api/edit`);
    expect(res.headers.get('allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed');
    const del = await fetch(`${server.url}/api/health`, { method: 'DELETE' });
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    await expectError(del, 405, 'method_not_allowed');
  });

  it('answers HEAD wherever it answers GET: the same headers, no body', async () => {
    const get = await fetch(`${server.url}/api/providers`);
    const head = await fetch(`${server.url}/api/providers`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(head.headers.get('x-request-id')).toBeTruthy();
    expect(await head.text()).toBe('');
    expect((await fetch(`${server.url}/api/edit`, { method: 'HEAD' })).status).toBe(405);
  });

  it('keeps the connection open after refusing a request that has no body', async () => {
    // Two requests, one socket: the second is only answered if the first left it open.
    const head = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1', () => socket.write(head('/api/nothing')));
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.split('HTTP/1.1 ').length === 2 && received.includes('}')) socket.write(head('/api/health'));
        if (received.includes('{"status":"ok"}')) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed after: ${received}`)));
    });
    expect(answers).toMatch(/^HTTP\/1\.1 404 /);
    expect(answers).not.toMatch(/connection: close/i);
    expect(answers).toMatch(/HTTP\/1\.1 200 OK/);
  });
});

describe('POST /api/edit', () => {
  it.each(['images', 'image', 'image[]'])('edits an image sent in the field %s', async (field) => {
    const image = await jpeg();
    const res = await postEdit(server.url, form([[field, image, 'room.jpg']], { provider: 'mock' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(res.headers.get('x-frameforge-provider')).toBe('mock');
    expect(res.headers.get('x-frameforge-mock')).toBe('true');
    expect(res.headers.get('x-frameforge-fallback')).toBeNull();
  });

  it('sends further images as references (two files in images)', async () => {
    const before = seen.images.length;
    const res = await postEdit(server.url, form([['images', await jpeg(), 'room.jpg'], ['images', await jpeg(32, 32), 'sofa.jpg']], { provider: 'mock' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Number(res.headers.get('content-length'))).toBe((await res.arrayBuffer()).byteLength);
    expect(seen.images.slice(before)).toEqual([2]);
  });

  it('uses the default prompt when prompt is empty or missing, and trims a given one', async () => {
    const before = seen.prompts.length;
    for (const fields of [{ prompt: '' }, { prompt: '   ' }, {}, { prompt: '  add a sofa  ' }] as Record<string, string>[]) {
      const res = await postEdit(server.url, form([['images', await jpeg(), 'room.jpg']], { provider: 'mock', ...fields }));
      expect(res.status).toBe(200);
    }
    expect(seen.prompts.slice(before)).toEqual([DEFAULT_PROMPT, DEFAULT_PROMPT, DEFAULT_PROMPT, 'add a sofa']);
  });

  it('uses per-request keys for that request only', async () => {
    const before = seen.keys.length;
    const image = await jpeg();
    await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }), { 'X-Google-API-Key': GOOGLE_KEY, 'X-Fal-Key': FAL_KEY_HEADER });
    await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }), { 'X-Gemini-API-Key': GEMINI_KEY, Authorization: `Key ${FAL_AUTH_KEY}` });
    await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }));
    expect(seen.keys.slice(before)).toEqual([{ google: GOOGLE_KEY, fal: FAL_KEY_HEADER }, { google: GEMINI_KEY, fal: FAL_AUTH_KEY }, {}]);
  });

  it('a per-request fal key reaches the fal provider (no 401 with the header, 401 without)', async () => {
    const image = await jpeg();
    const without = await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'fal:fal-ai/flux-kontext/dev' }));
    expect(without.status).toBe(401);
    expect(((await without.json()) as { code: string }).code).toBe('missing_api_key');
    const withKey = await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'fal:fal-ai/flux-kontext/dev' }), {
      Authorization: `Key ${FAL_AUTH_KEY}`,
    });
    expect(withKey.status).not.toBe(401);
  });
});

describe('bad input', () => {
  it('variations above 1 on the synchronous /api/edit: 400 invalid_option pointing to /api/jobs; 1 is an ordinary edit', async () => {
    const image = await jpeg();
    const res = await postEdit(server.url, form([['images', image, 'room.jpg']], { provider: 'mock', variations: '3' }));
    const body = (await res.clone().json()) as { detail: string };
    expect(body.detail).toContain('POST /api/jobs');
    expect(body.detail).toContain('/result/3');
    await expectError(res, 400, 'invalid_option');
    for (const bad of ['0', '5', 'many']) {
      await expectError(await postEdit(server.url, form([['images', image, 'room.jpg']], { provider: 'mock', variations: bad })), 400, 'invalid_option');
    }
    const one = await postEdit(server.url, form([['images', image, 'room.jpg']], { provider: 'mock', variations: '1' }));
    expect(one.status).toBe(200);
  });

  it('no file: 400 missing_image', async () => {
    await expectError(await postEdit(server.url, form([], { provider: 'mock', prompt: 'x' })), 400, 'missing_image');
  });

  it('a text file named .jpg: 415 unsupported_image, naming the file', async () => {
    const res = await postEdit(server.url, form([['images', Buffer.from('hello, this is text\n'), 'photo.jpg']], { provider: 'mock' }));
    const body = (await res.clone().json()) as { detail: string };
    expect(body.detail).toContain('photo.jpg');
    await expectError(res, 415, 'unsupported_image');
  });

  it('an empty file: 400 empty_file', async () => {
    await expectError(await postEdit(server.url, form([['images', Buffer.alloc(0), 'empty.jpg']], { provider: 'mock' })), 400, 'empty_file');
  });

  it('a truncated JPEG: 400 corrupt_image', async () => {
    const image = await jpeg(256, 256);
    const truncated = image.subarray(0, Math.floor(image.length * 0.6));
    await expectError(await postEdit(server.url, form([['images', truncated, 'cut.jpg']], { provider: 'mock' })), 400, 'corrupt_image');
  });

  it('an 11 MB file: 413 file_too_large, answered before the whole body is sent', async () => {
    const fileSize = 11 * MB;
    const head = partHead('images', 'big.jpg');
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const total = head.length + fileSize + tail.length;
    // Only 10.5 MB of the 11 MB are sent, then the client stops sending: only a server that
    // refuses the file once it passes 10 MB can answer 413; one without the limit reads on
    // into the early end and answers something else, or nothing (which rawRequest reports).
    const chunk = Buffer.alloc(64 * 1024, 0xff);
    const res = await rawRequest(server.url, requestHead(server.url, total), [head, ...repeat(chunk, 10.5 * MB)], { endAfterChunks: true }).catch(
      (error: Error) => ({ status: 0, headers: {} as Record<string, string>, body: error.message }),
    );
    expect(res.headers.connection).toBe('close');
    await expectError(res, 413, 'file_too_large');
  });

  it('a 60 MB body: 413 request_too_large from its Content-Length, before any of it is read', async () => {
    const res = await rawRequest(server.url, requestHead(server.url, 60 * MB));
    expect(res.bytesSent).toBe(0);
    await expectError(res, 413, 'request_too_large');
  });

  it('a 60 MB chunked body (no Content-Length): 413 request_too_large once 50 MB have arrived', async () => {
    // Files under 10 MB each, so only the request limit can trip.
    const files = function* () {
      for (let i = 0; i < 7; i++) {
        yield partHead('images', `part${i}.jpg`);
        yield* repeat(Buffer.alloc(256 * 1024, 0xff), 9 * MB);
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`--${BOUNDARY}--\r\n`);
    };
    const res = await rawRequest(server.url, requestHead(server.url, undefined), chunked(files()));
    expect(res.bytesSent).toBeLessThan(60 * MB);
    await expectError(res, 413, 'request_too_large');
  });

  it('200 tiny files: 413 too_many_parts', async () => {
    const tiny = await jpeg(2, 2);
    const files = Array.from({ length: 200 }, (_, i): [string, Buffer, string] => ['images', tiny, `t${i}.jpg`]);
    await expectError(await postEdit(server.url, form(files, { provider: 'mock' })), 413, 'too_many_parts');
  });

  it('malformed multipart: 400 bad_request', async () => {
    const body = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filename="a.jpg"\r\n\r\nabc`);
    const res = await rawRequest(server.url, requestHead(server.url, body.length), [body]);
    await expectError(res, 400, 'bad_request');
    const noBoundary = await fetch(`${server.url}/api/edit`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; charset=utf-8' }, body: 'x' });
    await expectError(noBoundary, 400, 'bad_request');
    const json = await fetch(`${server.url}/api/edit`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    await expectError(json, 400, 'bad_request');
  });

  it('a file in an unexpected field: 400 bad_request', async () => {
    await expectError(await postEdit(server.url, form([['photo', await jpeg(), 'a.jpg']], { provider: 'mock' })), 400, 'bad_request');
  });

  it('an unknown provider: 404 unknown_provider', async () => {
    await expectError(await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'dall-e' })), 404, 'unknown_provider');
  });

  it('fal:../x: 400 invalid_provider_id', async () => {
    await expectError(await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'fal:../x' })), 400, 'invalid_provider_id');
  });

  it('a provider without a key: 401 missing_api_key naming the header', async () => {
    const res = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'fal:fal-ai/flux/dev' }));
    expect(((await res.clone().json()) as { detail: string }).detail).toContain('X-Fal-Key');
    await expectError(res, 401, 'missing_api_key');
  });
});

describe('request id', () => {
  it('echoes a sane X-Request-Id and replaces an insane one', async () => {
    const echoed = await fetch(`${server.url}/api/health`, { headers: { 'X-Request-Id': 'front-end-42' } });
    expect(echoed.headers.get('x-request-id')).toBe('front-end-42');
    const replaced = await fetch(`${server.url}/api/health`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await postEdit(server.url, form([], {}));
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.logs.some((l) => l.includes('"requestId":"front-end-42"'))).toBe(true);
  });
});

describe('access log', () => {
  it('logs one JSON line per request with method, path, status, duration and request id', async () => {
    await fetch(`${server.url}/api/providers?secret=query`, { headers: { 'X-Request-Id': 'log-line-test' } });
    const line = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'log-line-test');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/api/providers', status: 200 });
    expect(typeof line!.durationMs).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret=query');
  });
});

// Last: everything the servers in this file logged, searched for every key they were given.
describe('logs', () => {
  it('contain none of the keys the server was given', () => {
    expect(allLogs.length).toBeGreaterThan(20);
    const text = allLogs.join('\n');
    for (const key of [GOOGLE_KEY, GEMINI_KEY, FAL_KEY_HEADER, FAL_AUTH_KEY, CONFIG_GOOGLE_KEY]) expect(text).not.toContain(key);
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});
