/**
 * The model catalogues are data other features build on (sizes, prices,
 * variations): these tests hold their shape, the promises made about the
 * listed ids, and the README tables rendered from them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAL_MODELS, FAL_TEXT_TO_IMAGE, falModel } from '../../src/providers/fal-models.js';
import { DEFAULT_GEMINI_MODEL, GEMINI_MODELS, GEMINI_PRO_MODEL, geminiModel } from '../../src/providers/gemini-models.js';
import { modelsMarkdown } from '../../src/providers/models-table.js';
import { LISTED_PROVIDER_IDS } from '../../src/providers/provider-id.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { ratioValue } from '../../src/core/output-size.js';
import { ROOT } from '../support/cli.js';

describe('Gemini catalogue', () => {
  it('defaults to the generally available models, and knows the retired ids and their replacements', () => {
    expect(DEFAULT_SETTINGS.googleModelId).toBe('gemini-3.1-flash-image');
    expect(geminiModel(DEFAULT_GEMINI_MODEL)).toMatchObject({ status: 'stable', name: 'Nano Banana 2' });
    expect(geminiModel(GEMINI_PRO_MODEL)).toMatchObject({ id: 'gemini-3-pro-image', status: 'stable', name: 'Nano Banana Pro' });
    expect(geminiModel('gemini-3-pro-image-preview')).toMatchObject({ status: 'shut-down', shutdown: '2026-06-25', replacement: 'gemini-3-pro-image' });
    expect(geminiModel('gemini-3.1-flash-image-preview')).toMatchObject({ status: 'shut-down', replacement: 'gemini-3.1-flash-image' });
    expect(geminiModel('gemini-2.5-flash-image')).toMatchObject({ status: 'deprecated', imageSizes: [] });
  });

  it('every row has sizes Gemini takes, W:H ratios, sane limits and a source', () => {
    for (const m of GEMINI_MODELS) {
      for (const size of m.imageSizes) expect(['512', '1K', '2K', '4K']).toContain(size);
      for (const ratio of m.aspectRatios) expect(ratioValue(ratio), `${m.id} ${ratio}`).toBeDefined();
      expect(m.recommendedImages).toBeLessThanOrEqual(m.maxImages);
      expect(m.source).toMatch(/https:\/\//);
      if (m.status !== 'stable') expect(m.replacement && geminiModel(m.replacement)?.status).toBe('stable');
    }
  });
});

describe('fal catalogue', () => {
  it('has the current edit endpoints with their size knobs', () => {
    expect(falModel('fal-ai/nano-banana-2/edit')).toMatchObject({ field: 'image_urls', size: { param: 'resolution' }, numImages: { max: 4 } });
    expect(falModel('fal-ai/nano-banana-pro/edit')?.size).toEqual({ param: 'resolution', values: ['1K', '2K', '4K'] });
    for (const id of ['fal-ai/bytedance/seedream/v4/edit', 'fal-ai/bytedance/seedream/v4.5/edit', 'fal-ai/bytedance/seedream/v5/lite/edit']) {
      expect(falModel(id)?.size?.param, id).toBe('image_size');
    }
    expect(falModel('fal-ai/flux-kontext/dev')?.size).toEqual({ param: 'resolution_mode' });
    expect(falModel('fal-ai/qwen-image-edit-2511')).toBeDefined();
    expect(falModel('fal-ai/flux-2/edit')).toBeDefined();
    expect(falModel('fal-ai/flux-2-pro/edit')).toBeDefined();
    expect(falModel('fal-ai/flux-pro/kontext')?.legacy).toBeTruthy();
  });

  it('every row is consistent: one-image fields take one image, sizes and ratios are well formed, each cites its source', () => {
    const seen = new Set<string>();
    for (const m of FAL_MODELS) {
      expect(seen.has(m.endpoint), `${m.endpoint} twice`).toBe(false);
      seen.add(m.endpoint);
      if (m.field === 'image_url') expect(m.maxImages, m.endpoint).toBe(1);
      else expect(m.maxImages, m.endpoint).toBeGreaterThanOrEqual(1);
      if (m.size?.param === 'image_size') expect(m.size.minPixels).toBeLessThan(m.size.maxPixels);
      if (m.aspect && m.aspect.param !== 'image_size') {
        for (const v of m.aspect.values) expect(v === 'auto' || v === 'match_input' || ratioValue(v) !== undefined, `${m.endpoint} ${v}`).toBe(true);
      }
      for (const f of m.outputFormats) expect(['jpeg', 'png', 'webp']).toContain(f);
      expect(m.source.length).toBeGreaterThan(10);
      expect(falTextToImage(m.endpoint)).toBeUndefined();
    }
  });

  it('every text-to-image id maps to, or names, an edit endpoint in the catalogue', () => {
    for (const t of FAL_TEXT_TO_IMAGE) {
      expect(falModel(t.suggest), t.suggest).toBeDefined();
      if (t.editVia) expect(falModel(t.editVia), t.editVia).toBeDefined();
    }
  });
});

function falTextToImage(endpoint: string) {
  return FAL_TEXT_TO_IMAGE.find((t) => t.endpoint === endpoint);
}

it('every listed fal id is an edit endpoint of the catalogue, and the aliases are listed', () => {
  const fal = LISTED_PROVIDER_IDS.filter((id) => id.startsWith('fal:')).map((id) => id.slice(4));
  expect(fal.length).toBeGreaterThan(3);
  for (const endpoint of fal) {
    expect(falModel(endpoint), endpoint).toBeDefined();
    expect(falTextToImage(endpoint), endpoint).toBeUndefined();
  }
  expect(LISTED_PROVIDER_IDS).toEqual(expect.arrayContaining(['google', 'nano-banana', 'nano-banana-pro', 'mock', 'fal:fal-ai/nano-banana-2/edit']));
});

it('the README model tables are the ones rendered from the catalogues (npm run docs:models rewrites them)', async () => {
  const file = path.join(ROOT, 'README.md');
  const readme = await readFile(file, 'utf8');
  const start = '<!-- models:start -->\n';
  const end = '<!-- models:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  expect(from, 'README lacks the models:start marker').toBeGreaterThan(-1);
  const expected = modelsMarkdown();
  if (process.env.UPDATE_DOCS === '1') {
    await writeFile(file, readme.slice(0, from + start.length) + expected + readme.slice(to));
    return;
  }
  expect(readme.slice(from + start.length, to), 'README model tables are stale: run npm run docs:models').toBe(expected);
});
