/**
 * The server's door onto issue 9: the form fields `size` and `aspect_ratio`,
 * a bad one refused as 400 before any provider call, and a text-to-image fal
 * id that edits through its image-to-image sibling and says so (response
 * header and log line). Real server on port 0, real SDKs against the fakes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFalServer, type FalServer } from '../fakes/fal-server.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { form, jpeg, postEdit, startServer, type TestServer } from './helpers.js';

const GOOGLE_KEY = 'srv-gk-5521';
const FAL_KEY = 'srv-fal:key-8830';
let gemini: GeminiServer;
let fal: FalServer;
let server: TestServer;

beforeEach(async () => {
  gemini = await startGeminiServer({ apiKey: GOOGLE_KEY });
  fal = await startFalServer({ apiKey: FAL_KEY, pollsUntilDone: 1 });
  server = await startServer({ googleApiKey: GOOGLE_KEY, googleBaseUrl: gemini.url, falKey: FAL_KEY, falProxyUrl: fal.proxyUrl });
});
afterEach(async () => {
  await server.close();
  await gemini.close();
  await fal.close();
});

describe('POST /api/edit size and framing', () => {
  it('the form fields size and aspect_ratio reach Gemini as imageSize and aspectRatio', async () => {
    const res = await postEdit(server.url, form([['images', await jpeg(3000, 2000), 'room.jpg']], { size: '4K' }));
    expect(res.status).toBe(200);
    const second = await postEdit(server.url, form([['images', await jpeg(3000, 2000), 'room.jpg']], { aspect_ratio: '16:9' }));
    expect(second.status).toBe(200);
    const configs = gemini.callsTo('generate').map((c) => (c.json as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig);
    expect(configs).toEqual([{ aspectRatio: '3:2', imageSize: '4K' }, { aspectRatio: '16:9', imageSize: '2K' }]);
  });

  it('a size or aspect ratio the model cannot take is 400 invalid_option, and no provider is called', async () => {
    const cases: Record<string, string>[] = [{ size: 'huge' }, { aspect_ratio: '8:1', provider: 'nano-banana-pro' }];
    for (const fields of cases) {
      const res = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], fields));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe('invalid_option');
      expect(body.detail).toMatch(/auto/);
    }
    expect(gemini.calls).toHaveLength(0);
  });
});

describe('POST /api/edit with a text-to-image fal id', () => {
  it('fal:fal-ai/flux/dev edits through image-to-image: header and log line say so', async () => {
    const res = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'fal:fal-ai/flux/dev' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frameforge-provider')).toBe('fal:fal-ai/flux/dev/image-to-image');
    expect(fal.jobs.map((j) => j.endpoint)).toEqual(['fal-ai/flux/dev/image-to-image']);
    expect(server.logs.some((l) => /editing through fal:fal-ai\/flux\/dev\/image-to-image/.test(l))).toBe(true);
  });

  it('another text-to-image id is 400 not_an_edit_model, with nothing sent to fal', async () => {
    const res = await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'fal:fal-ai/nano-banana-pro' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('not_an_edit_model');
    expect(fal.calls).toHaveLength(0);
  });
});
