/**
 * fal requests per catalogue row (issue 9): each model's size knob, the
 * input's framing kept, text-to-image ids mapped or refused before any
 * upload. Real @fal-ai/client against the fake fal; assertions on the input
 * the fake's queue received.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { editImage, type EditJob } from '../../src/core/edit.js';
import { failure } from '../support/failure.js';
import type { Settings } from '../../src/core/settings.js';
import { resolveProvider } from '../../src/providers/registry.js';
import { falTarget, startFalServer, type FalServer } from '../fakes/fal-server.js';
import { solidJpeg } from '../fakes/test-images.js';

const KEY = 'fal-models-key:secret-19e4';
let fal: FalServer;
let photo: Buffer;

beforeEach(async () => {
  fal = await startFalServer({ apiKey: KEY, pollsUntilDone: 1 });
  photo ??= await solidJpeg(3000, 2000);
});
afterEach(async () => {
  await fal.close();
});

async function edit(provider: string, job: Partial<EditJob> = {}, values: Partial<Settings> = {}) {
  const cfg = configFrom({ falKey: KEY, falProxyUrl: fal.proxyUrl, ...values });
  const resolved = await resolveProvider(provider, cfg);
  return editImage(resolved, { image: { data: photo, name: 'room.jpg' }, prompt: 'Stage it', ...job }, cfg);
}


const input = (i = 0) => fal.jobs[i]!.input as Record<string, unknown>;

describe('output size and framing per model', () => {
  it('Seedream 4 gets image_size {width, height} with the input aspect ratio, not its 2048x2048 default', async () => {
    await edit('fal:fal-ai/bytedance/seedream/v4/edit');
    expect(input().image_size).toEqual({ width: 2048, height: 1360 });
    expect(input()).not.toHaveProperty('aspect_ratio');
  });

  it('Seedream 4.5 and 5 Lite: the size is moved into their pixel limits, keeping the aspect ratio', async () => {
    await edit('fal:fal-ai/bytedance/seedream/v4.5/edit', { options: { size: '4K' } });
    await edit('fal:fal-ai/bytedance/seedream/v5/lite/edit', { options: { size: '4K' } });
    const [v45, v5] = fal.jobs.map((j) => (j.input as { image_size: { width: number; height: number } }).image_size);
    expect(v45).toEqual({ width: 4096, height: 2720 });
    expect(v5!.width * v5!.height).toBeLessThanOrEqual(3072 * 3072);
    expect(v5!.width / v5!.height).toBeCloseTo(1.5, 1);
  });

  it('nano-banana-2 and nano-banana-pro get resolution and the nearest aspect ratio', async () => {
    await edit('fal:fal-ai/nano-banana-2/edit');
    await edit('fal:fal-ai/nano-banana-pro/edit', { options: { size: '4K' } });
    expect(input(0)).toMatchObject({ resolution: '2K', aspect_ratio: '3:2' });
    expect(input(1)).toMatchObject({ resolution: '4K', aspect_ratio: '3:2' });
    expect(Array.isArray(input(0).image_urls)).toBe(true);
  });

  it('FLUX.1 Kontext [dev] keeps the input with resolution_mode match_input, and says it takes no size when one is asked', async () => {
    const outcome = await edit('fal:fal-ai/flux-kontext/dev', { options: { size: '2K' } });
    expect(input().resolution_mode).toBe('match_input');
    expect(outcome.warnings.join(' ')).toMatch(/takes no output size/);
  });

  it('a model with no size knob gets nothing, and a warning only when a size was asked for', async () => {
    const quiet = await edit('fal:fal-ai/nano-banana/edit');
    const asked = await edit('fal:fal-ai/nano-banana/edit', { options: { size: '4K' } });
    for (const job of fal.jobs) {
      expect(job.input).not.toHaveProperty('resolution');
      expect(job.input).not.toHaveProperty('image_size');
    }
    expect(quiet.warnings).toEqual([]);
    expect(asked.warnings.join(' ')).toMatch(/takes no output size; --size 4K was not sent/);
  });

  it('an unknown endpoint gets no size field, and --aspect-ratio as aspect_ratio', async () => {
    await edit('fal:someone/new-model/edit', { options: { aspectRatio: '4:3' } });
    expect(input()).toMatchObject({ aspect_ratio: '4:3' });
    expect(input()).not.toHaveProperty('image_size');
  });

  it('an aspect ratio the model does not take is invalid_option before any upload, listing the valid ones', async () => {
    const error = await failure(edit('fal:fal-ai/nano-banana-pro/edit', { options: { aspectRatio: '8:1' } }));
    expect(error.code).toBe('invalid_option');
    expect([error.status, error.exitCode]).toEqual([400, 2]);
    expect(error.message).toContain('21:9');
    expect(fal.calls).toHaveLength(0);
  });
});

describe('text-to-image ids', () => {
  it('fal:fal-ai/flux/dev submits to fal-ai/flux/dev/image-to-image with image_url, and says so', async () => {
    const outcome = await edit('fal:fal-ai/flux/dev');
    const submit = fal.callsTo('submit')[0]!;
    expect(falTarget(submit)!.pathname).toBe('/fal-ai/flux/dev/image-to-image');
    expect(typeof input().image_url).toBe('string');
    expect(input()).not.toHaveProperty('image_urls');
    expect(outcome.providerId).toBe('fal:fal-ai/flux/dev/image-to-image');
    expect(outcome.warnings.join(' ')).toMatch(/fal:fal-ai\/flux\/dev is a text-to-image model; editing through fal:fal-ai\/flux\/dev\/image-to-image/);
  });

  it('another text-to-image id is refused as not_an_edit_model, and nothing is uploaded', async () => {
    const error = await failure(edit('fal:fal-ai/nano-banana-2'));
    expect(error.code).toBe('not_an_edit_model');
    expect([error.status, error.exitCode]).toEqual([400, 2]);
    expect(error.hint).toContain('fal:fal-ai/nano-banana-2/edit');
    expect(fal.calls).toHaveLength(0);
    expect(fal.uploads.size).toBe(0);
  });
});
