/**
 * Gemini requests as the live service takes them today (issue 9): the current
 * default model on /v1beta/, the aliases, the output size and the input's
 * framing on imageConfig, and a retired model reported as model_not_found.
 * Real @google/genai against the fake Gemini; assertions on what it received.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { editImage, type EditJob } from '../../src/core/edit.js';
import { failure } from '../support/failure.js';
import type { Settings } from '../../src/core/settings.js';
import { resolveProvider } from '../../src/providers/registry.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { solidJpeg, solidPng } from '../fakes/test-images.js';

const KEY = 'gk-models-77a1';
const SERVED = ['gemini-3.1-flash-image', 'gemini-3-pro-image', 'gemini-2.5-flash-image', 'my-model'];
let gemini: GeminiServer;
let photo: Buffer;

beforeEach(async () => {
  gemini = await startGeminiServer({ apiKey: KEY, models: SERVED });
  photo ??= await solidJpeg(3000, 2000);
});
afterEach(async () => {
  await gemini.close();
});

async function edit(provider = 'google', job: Partial<EditJob> = {}, values: Partial<Settings> = {}) {
  const cfg = configFrom({ googleApiKey: KEY, googleBaseUrl: gemini.url, ...values });
  const resolved = await resolveProvider(provider, cfg);
  return editImage(resolved, { image: { data: photo, name: 'room.jpg' }, prompt: 'Stage it', ...job }, cfg);
}


type Body = { generationConfig: { imageConfig?: Record<string, string> } };
const sent = (): Body => gemini.callsTo('generate')[0]!.json as Body;

describe('which model, on which API version', () => {
  it('the default request goes to /v1beta/models/gemini-3.1-flash-image', async () => {
    await edit();
    expect(gemini.callsTo('generate').map((c) => c.path)).toEqual(['/v1beta/models/gemini-3.1-flash-image:generateContent']);
  });

  it('GOOGLE_API_VERSION=v1 moves it to /v1/', async () => {
    await edit('google', {}, { googleApiVersion: 'v1' });
    expect(gemini.callsTo('generate')[0]!.path).toBe('/v1/models/gemini-3.1-flash-image:generateContent');
  });

  it('nano-banana-pro hits gemini-3-pro-image; nano-banana follows GOOGLE_MODEL_ID', async () => {
    await edit('nano-banana-pro');
    await edit('nano-banana', {}, { googleModelId: 'my-model' });
    expect(gemini.callsTo('generate').map((c) => c.path)).toEqual([
      '/v1beta/models/gemini-3-pro-image:generateContent',
      '/v1beta/models/my-model:generateContent',
    ]);
  });

  it('a model Google does not serve (404) is model_not_found naming the model, the version and its replacement', async () => {
    const error = await failure(edit('google:gemini-3-pro-image-preview'));
    expect(error.code).toBe('model_not_found');
    expect([error.status, error.exitCode]).toEqual([400, 2]);
    expect(error.message).toContain('"gemini-3-pro-image-preview"');
    expect(error.message).toContain('v1beta');
    expect(error.message).toContain('gemini-3-pro-image.');
    expect(error.hint).toContain('gemini-3.1-flash-image');
    expect(gemini.callsTo('generate')).toHaveLength(1); // not retried
  });

  it('the version in the error is the one used', async () => {
    const error = await failure(edit('google:gemini-9-imaginary', {}, { googleApiVersion: 'v1alpha' }));
    expect(error.message).toMatch(/"gemini-9-imaginary" on API version v1alpha/);
  });

  it('a deprecated model still answering gets a warning with its shutdown date and replacement', async () => {
    const outcome = await edit('google:gemini-2.5-flash-image');
    expect(outcome.warnings.join(' ')).toMatch(/deprecated gemini-2\.5-flash-image \(shutdown 2026-10-02\); use gemini-3\.1-flash-image/);
  });
});

describe('output size and framing', () => {
  it('a 3000x2000 input with --size auto sends imageSize 2K and aspect ratio 3:2', async () => {
    await edit('google', { options: { size: 'auto' } });
    expect(sent().generationConfig.imageConfig).toEqual({ aspectRatio: '3:2', imageSize: '2K' });
  });

  it('--size 4K sends 4K; DEFAULT_SIZE applies when no size is given', async () => {
    await edit('google', { options: { size: '4K' } });
    await edit('google', {}, { defaultSize: '1K' });
    const [first, second] = gemini.callsTo('generate').map((c) => (c.json as Body).generationConfig.imageConfig);
    expect(first).toEqual({ aspectRatio: '3:2', imageSize: '4K' });
    expect(second).toEqual({ aspectRatio: '3:2', imageSize: '1K' });
  });

  it('a small portrait input gets 1K and the nearest ratio; --aspect-ratio wins; auto leaves the ratio to the model', async () => {
    const portrait = { data: await solidJpeg(600, 1000), name: 'hall.jpg' };
    await edit('google', { image: portrait });
    await edit('google', { image: portrait, options: { aspectRatio: '16:9' } });
    await edit('google', { image: portrait, options: { aspectRatio: 'auto' } });
    // 600:1000 = 0.6 is nearer 9:16 (0.5625) than 2:3 (0.667) on a log scale.
    expect(gemini.callsTo('generate').map((c) => (c.json as Body).generationConfig.imageConfig)).toEqual([
      { aspectRatio: '9:16', imageSize: '1K' },
      { aspectRatio: '16:9', imageSize: '1K' },
      { imageSize: '1K' },
    ]);
  });

  it('a model without a size knob gets no imageSize, and a warning only when a size was asked for', async () => {
    const quiet = await edit('google:gemini-2.5-flash-image');
    const asked = await edit('google:gemini-2.5-flash-image', { options: { size: '2K' } });
    for (const call of gemini.callsTo('generate')) expect((call.json as Body).generationConfig.imageConfig).toEqual({ aspectRatio: '3:2' });
    expect(quiet.warnings.join(' ')).not.toMatch(/output size/);
    expect(asked.warnings.join(' ')).toMatch(/takes no output size; --size 2K was not sent/);
  });

  it('an aspect ratio the model does not take is invalid_option before any network call, listing the valid ones', async () => {
    const error = await failure(edit('nano-banana-pro', { options: { aspectRatio: '8:1' } }));
    expect(error.code).toBe('invalid_option');
    expect([error.status, error.exitCode]).toEqual([400, 2]);
    expect(error.message).toContain('16:9');
    expect(gemini.calls).toHaveLength(0);
    // The same ratio is one 3.1 Flash Image takes.
    await edit('google', { options: { aspectRatio: '8:1' } });
    expect(sent().generationConfig.imageConfig?.aspectRatio).toBe('8:1');
  });
});

it('past the images a model handles well, a warning says so', async () => {
  const refs = await Promise.all([1, 2, 3].map(async (i) => ({ data: await solidPng(8, 8), name: `ref${i}.png` })));
  const outcome = await edit('google:gemini-2.5-flash-image', { references: refs });
  expect(outcome.warnings.join(' ')).toMatch(/works best with up to 3 images; this edit sends 4/);
});
