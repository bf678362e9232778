/**
 * Per-request provider keys (contract 3), observed where they matter: the key
 * header the fake provider received. A request's key wins over the server's
 * configured key for that request only; without a header the configured key
 * is used; without either the request is refused before any provider call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFalServer, type FalServer } from '../fakes/fal-server.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { form, jpeg, postEdit, startServer, type TestServer } from './helpers.js';

const SERVER_GOOGLE_KEY = 'server-google-key-1111';
const SERVER_FAL_KEY = 'server-fal-key:2222';
const HEADER_GOOGLE_KEY = 'header-google-key-3333';
const HEADER_GEMINI_KEY = 'header-gemini-key-4444';
const HEADER_FAL_KEY = 'header-fal-key:5555';
const AUTH_FAL_KEY = 'auth-fal-key:6666';

let gemini: GeminiServer;
let fal: FalServer;
let withKeys: TestServer;
let withoutKeys: TestServer;

beforeAll(async () => {
  // No apiKey: the fakes accept any key and record the one they were sent.
  gemini = await startGeminiServer();
  fal = await startFalServer();
  const providers = { googleBaseUrl: gemini.url, falProxyUrl: fal.proxyUrl };
  withKeys = await startServer({ ...providers, googleApiKey: SERVER_GOOGLE_KEY, falKey: SERVER_FAL_KEY });
  withoutKeys = await startServer(providers);
});
afterAll(async () => {
  await Promise.all([withKeys.close(), withoutKeys.close()]);
  await Promise.all([gemini.close(), fal.close()]);
});

/** Edits through `server` and returns the x-goog-api-key of the one Gemini call it made. */
async function googleKeySent(server: TestServer, headers: Record<string, string>): Promise<string | undefined> {
  const before = gemini.callsTo('generate').length;
  const res = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'google' }), headers);
  expect(res.status, await res.clone().text()).toBe(200);
  const calls = gemini.callsTo('generate').slice(before);
  expect(calls).toHaveLength(1);
  return calls[0]!.headers['x-goog-api-key'] as string | undefined;
}

/** Edits through `server` and returns the Authorization of the fal submit it made. */
async function falAuthorizationSent(server: TestServer, headers: Record<string, string>): Promise<string | undefined> {
  const before = fal.callsTo('submit').length;
  const res = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'fal:fal-ai/flux-kontext/dev' }), headers);
  expect(res.status, await res.clone().text()).toBe(200);
  const calls = fal.callsTo('submit').slice(before);
  expect(calls).toHaveLength(1);
  return calls[0]!.headers.authorization;
}

describe('the key a provider receives', () => {
  it('Google: the request header wins over the server key, for that request only', async () => {
    expect(await googleKeySent(withKeys, { 'X-Google-API-Key': HEADER_GOOGLE_KEY })).toBe(HEADER_GOOGLE_KEY);
    expect(await googleKeySent(withKeys, { 'X-Gemini-API-Key': HEADER_GEMINI_KEY })).toBe(HEADER_GEMINI_KEY);
    expect(await googleKeySent(withKeys, {})).toBe(SERVER_GOOGLE_KEY);
  });

  it('Google: without a server key the header key is used; without either, 401 and no provider call', async () => {
    expect(await googleKeySent(withoutKeys, { 'X-Google-API-Key': HEADER_GOOGLE_KEY })).toBe(HEADER_GOOGLE_KEY);
    const before = gemini.calls.length;
    const res = await postEdit(withoutKeys.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'google' }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('missing_api_key');
    expect(gemini.calls.length).toBe(before);
  });

  it('fal: X-Fal-Key or Authorization: Key wins over the server key, for that request only', async () => {
    expect(await falAuthorizationSent(withKeys, { 'X-Fal-Key': HEADER_FAL_KEY })).toBe(`Key ${HEADER_FAL_KEY}`);
    expect(await falAuthorizationSent(withKeys, { Authorization: `Key ${AUTH_FAL_KEY}` })).toBe(`Key ${AUTH_FAL_KEY}`);
    expect(await falAuthorizationSent(withKeys, {})).toBe(`Key ${SERVER_FAL_KEY}`);
  });

  it('fal: without a server key the header key is used', async () => {
    expect(await falAuthorizationSent(withoutKeys, { 'X-Fal-Key': HEADER_FAL_KEY })).toBe(`Key ${HEADER_FAL_KEY}`);
  });

  it('no key of one request reaches the log', () => {
    const text = [...withKeys.logs, ...withoutKeys.logs].join('\n');
    expect(text).toContain('"msg":"request"');
    for (const key of [SERVER_GOOGLE_KEY, SERVER_FAL_KEY, HEADER_GOOGLE_KEY, HEADER_GEMINI_KEY, HEADER_FAL_KEY, AUTH_FAL_KEY]) {
      expect(text).not.toContain(key);
    }
  });
});
