/**
 * The price table against the estimate logic: every row names its source
 * and date; a size-tiered row is priced at the tier the edit asks for (an
 * explicit --size, or `auto` resolved from the input's header), in the dry
 * run, in a real run's manifest, and in `providers --json`; a model without a
 * row stays unknown.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { priceFor, PRICES, pricesBySize } from '../../src/core/staging/prices.js';
import { startFalServer, type FalServer } from '../fakes/fal-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { makeJpeg } from '../support/images.js';

let fal: FalServer | undefined;
afterEach(async () => {
  await fal?.close();
  fal = undefined;
});

const jsonLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('price table', () => {
  test('every row has a source URL, a date, and positive figures; a tiered row prices 1K', () => {
    for (const [id, row] of Object.entries(PRICES)) {
      expect(id).toMatch(/^(google|fal):\S+$/);
      expect(row.source, id).toMatch(/https:\/\/\S+/);
      expect(row.checked, id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const figures = Object.values(pricesBySize(row));
      expect(figures.length, id).toBeGreaterThan(0);
      for (const usd of figures) expect(usd, id).toBeGreaterThan(0);
      if (typeof row.usd !== 'number') expect(row.usd['1K'], id).toBeDefined();
    }
  });

  test('the Gemini image models are priced per size; a model without a row is unknown', () => {
    expect(priceFor('google', 'gemini-3.1-flash-image', '1K')?.usd).toBe(0.067);
    expect(priceFor('google', 'gemini-3.1-flash-image', '2K')?.usd).toBe(0.101);
    expect(priceFor('google', 'gemini-3.1-flash-image', '4K')?.usd).toBe(0.151);
    expect(priceFor('google', 'gemini-3-pro-image', '2K')?.usd).toBe(0.134);
    expect(priceFor('google', 'gemini-3-pro-image', '4K')?.usd).toBe(0.24);
    // A flat row is the same at every size.
    expect(priceFor('fal', 'fal-ai/bytedance/seedream/v4/edit', '4K')?.usd).toBe(0.03);
    expect(priceFor('fal', 'fal-ai/flux-2/edit', '1K')).toBeUndefined();
  });

  test('the dry run prices each item at its tier: --size as given, auto from the input header', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'small.jpg'), await makeJpeg({ width: 800, height: 600 }));
    await writeFile(path.join(dir, 'large.jpg'), await makeJpeg({ width: 1600, height: 1200 }));
    const dry = async (...extra: string[]) => {
      const run = await runCli(['edit', '.', '-o', 'out', '--provider', 'fal:fal-ai/nano-banana-2/edit', '--dry-run', '--json', ...extra], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const lines = jsonLines(run.stdout);
      const each = Object.fromEntries(lines.filter((l) => l.event === 'planned').map((l) => [l.input, l.estimatedCostUsd]));
      return { each, total: lines.at(-1)!.estimatedCostUsd };
    };
    // auto: 800 px is covered by 1K ($0.08), 1600 px needs 2K (1.5 x: $0.12).
    expect(await dry()).toEqual({ each: { 'large.jpg': 0.12, 'small.jpg': 0.08 }, total: 0.2 });
    expect(await dry('--size', '4K')).toEqual({ each: { 'large.jpg': 0.16, 'small.jpg': 0.16 }, total: 0.32 });
    expect(await dry('--size', '1K', '-n', '2')).toEqual({ each: { 'large.jpg': 0.16, 'small.jpg': 0.16 }, total: 0.32 });
  });

  test('a real run records the tier price in the manifest, and providers --json shows every size', async () => {
    fal = await startFalServer({ apiKey: 'fk', pollsUntilDone: 1 });
    const dir = await tempDir();
    await writeFile(path.join(dir, 'room.jpg'), await makeJpeg({ width: 64, height: 48 }));
    const run = await runCli(['edit', '.', '-o', 'out', '--provider', 'fal:fal-ai/nano-banana-2/edit', '--size', '2K', '--json'], {
      cwd: dir,
      env: { FAL_KEY: 'fk', FAL_PROXY_URL: fal.proxyUrl },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fal.jobs[0]!.input).toMatchObject({ resolution: '2K' });
    const manifest = jsonLines(await readFile(path.join(dir, 'out', 'frameforge-manifest.jsonl'), 'utf8'));
    expect(manifest.map((l) => l.estimatedCostUsd)).toEqual([0.12]);
    const providers = await runCli(['providers', '--json'], { cwd: dir });
    const listed = JSON.parse(providers.stdout) as { providers: { id: string; price?: { usd: number; bySize: Record<string, number>; source: string } }[] };
    expect(listed.providers.find((p) => p.id === 'google')?.price).toMatchObject({ usd: 0.067, bySize: { '1K': 0.067, '2K': 0.101, '4K': 0.151 } });
    expect(listed.providers.find((p) => p.id === 'nano-banana-pro')?.price?.bySize).toEqual({ '1K': 0.134, '2K': 0.134, '4K': 0.24 });
    expect(listed.providers.find((p) => p.id === 'fal:fal-ai/flux-2/edit')?.price).toBeUndefined();
  });
});
