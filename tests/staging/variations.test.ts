/**
 * Variations (`-n, --variations 1..4`), counted at the fake providers: a model
 * that returns several images per call (fal `num_images`) is called once, any
 * other (Gemini) once per variation; the outputs are `<name>.edited-1.jpg` ...
 * and different; batches name, resume and record them per item; the cache
 * keys each call by the variation count, index and seed; the estimate
 * multiplies by N.
 */
import { copyFile, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFalServer, type FalServer } from '../fakes/fal-server.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { runCli, SAMPLE, tempDir } from '../support/cli.js';
import { makeJpeg } from '../support/images.js';
import { writeFile } from 'node:fs/promises';

let gemini: GeminiServer | undefined;
let fal: FalServer | undefined;
afterEach(async () => {
  await gemini?.close();
  await fal?.close();
  gemini = undefined;
  fal = undefined;
});

async function room(): Promise<string> {
  const dir = await tempDir();
  await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
  return dir;
}

async function distinct(files: string[]): Promise<number> {
  const contents = await Promise.all(files.map((f) => readFile(f)));
  return new Set(contents.map((c) => c.toString('base64'))).size;
}

const jsonLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('variations', () => {
  test('3 variations on a num_images model: one fal call with num_images 3, three different files', async () => {
    fal = await startFalServer({ apiKey: 'fk', pollsUntilDone: 1 });
    const dir = await room();
    const run = await runCli(['edit', 'room.jpg', '--provider', 'fal:fal-ai/nano-banana-2/edit', '-n', '3', '--json'], {
      cwd: dir,
      env: { FAL_KEY: 'fk', FAL_PROXY_URL: fal.proxyUrl },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fal.jobs).toHaveLength(1);
    expect(fal.jobs[0]!.input).toMatchObject({ num_images: 3 });
    const files = ['room.edited-1.jpg', 'room.edited-2.jpg', 'room.edited-3.jpg'];
    expect((await readdir(dir)).sort()).toEqual(['room.jpg', ...files].sort());
    expect(await distinct(files.map((f) => path.join(dir, f)))).toBe(3);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ event: 'done', output: 'room.edited-1.jpg', outputs: files });
  });

  test('3 variations on Gemini: three generateContent calls, three different files, one seed each', async () => {
    gemini = await startGeminiServer({ apiKey: 'k', distinct: true });
    const dir = await room();
    const run = await runCli(['edit', 'room.jpg', '--provider', 'google', '--variations', '3', '--seed', '5', '-o', 'staged.png'], {
      cwd: dir,
      env: { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url },
    });
    expect(run.code, run.stderr).toBe(0);
    const calls = gemini.callsTo('generate');
    expect(calls).toHaveLength(3);
    // The same seed three times would give the same image three times.
    expect(calls.map((c) => (c.json as { generationConfig: { seed: number } }).generationConfig.seed).sort()).toEqual([5, 6, 7]);
    const files = ['staged-1.png', 'staged-2.png', 'staged-3.png'];
    expect(run.stdout.trim().split('\n')).toEqual(files);
    expect(await distinct(files.map((f) => path.join(dir, f)))).toBe(3);
  });

  test('out of range is a usage error before anything is called', async () => {
    const dir = await room();
    for (const n of ['0', '5', 'two']) {
      const run = await runCli(['edit', 'room.jpg', '--provider', 'mock', '-n', n], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--variations must be a whole number from 1 to 4');
    }
  });

  test('a batch with -n 2: names, manifest, and resume that redoes only an item missing a variation', async () => {
    gemini = await startGeminiServer({ apiKey: 'k', distinct: true });
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.jpg'), await makeJpeg({ width: 40, height: 30 }));
    await writeFile(path.join(dir, 'b.jpg'), await makeJpeg({ width: 41, height: 30 }));
    const env = { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url };
    const args = ['edit', '.', '-o', 'out', '--provider', 'google', '-n', '2', '--compare', '--json'];
    const first = await runCli(args, { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(gemini.callsTo('generate')).toHaveLength(4);
    expect((await readdir(path.join(dir, 'out'))).sort()).toEqual([
      'a.compare-1.jpg', 'a.compare-2.jpg', 'a.edited-1.jpg', 'a.edited-2.jpg',
      'b.compare-1.jpg', 'b.compare-2.jpg', 'b.edited-1.jpg', 'b.edited-2.jpg', 'frameforge-manifest.jsonl',
    ]);
    const manifest = async () => jsonLines(await readFile(path.join(dir, 'out', 'frameforge-manifest.jsonl'), 'utf8'));
    const byInput = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect((await manifest()).map((l) => [l.input, l.status, l.outputs]).sort(byInput)).toEqual([
      ['a.jpg', 'done', [path.join('out', 'a.edited-1.jpg'), path.join('out', 'a.edited-2.jpg')]],
      ['b.jpg', 'done', [path.join('out', 'b.edited-1.jpg'), path.join('out', 'b.edited-2.jpg')]],
    ]);

    // A run cut short left one variation of a.jpg: a rerun redoes a.jpg (both calls) and skips b.jpg.
    await rm(path.join(dir, 'out', 'a.edited-2.jpg'));
    const again = await runCli(args, { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(gemini.callsTo('generate')).toHaveLength(6);
    const events = jsonLines(again.stdout);
    expect(events.filter((e) => e.event === 'done').map((e) => e.input)).toEqual(['a.jpg']);
    expect(events.filter((e) => e.event === 'skipped').map((e) => e.input)).toEqual(['b.jpg']);
    expect(await distinct(['a.edited-1.jpg', 'a.edited-2.jpg'].map((f) => path.join(dir, 'out', f)))).toBe(2);
    // A third run finds every variation: nothing is called.
    const third = await runCli(args, { cwd: dir, env });
    expect(third.code).toBe(0);
    expect(gemini.callsTo('generate')).toHaveLength(6);
    // --dry-run says the same, and lists the variation files.
    const dry = await runCli([...args.filter((a) => a !== '--json'), '--dry-run'], { cwd: dir, env });
    expect(dry.stdout).toContain(`a.jpg -> ${path.join('out', 'a.edited-1.jpg')}, ${path.join('out', 'a.edited-2.jpg')} (output exists: skipped)`);
  });

  test('the cache keys each call by variation count, index and seed', async () => {
    gemini = await startGeminiServer({ apiKey: 'k', distinct: true });
    const dir = await room();
    const env = { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url, CACHE_DIR: path.join(await tempDir('ff-cache-'), 'c') };
    const edit = async (out: string, extra: string[]) => {
      const run = await runCli(['edit', 'room.jpg', '--provider', 'google', '-p', 'Add a sofa', '-o', out, ...extra], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(0);
    };
    const calls = () => gemini!.callsTo('generate').length;
    await edit('a.jpg', ['-n', '2']);
    expect(calls()).toBe(2);
    await edit('b.jpg', ['-n', '2']);
    expect(calls()).toBe(2);
    // The same bytes per variation, and the two variations still differ.
    expect((await readFile(path.join(dir, 'b-2.jpg'))).equals(await readFile(path.join(dir, 'a-2.jpg')))).toBe(true);
    expect(await distinct([path.join(dir, 'b-1.jpg'), path.join(dir, 'b-2.jpg')])).toBe(2);
    // One variation is not the first of two; three variations are three calls of their own.
    await edit('c.jpg', []);
    expect(calls()).toBe(3);
    await edit('d.jpg', ['-n', '3']);
    expect(calls()).toBe(6);
    await edit('e.jpg', ['-n', '2', '--seed', '1']);
    expect(calls()).toBe(8);
    await edit('f.jpg', ['-n', '2', '--seed', '2']);
    expect(calls()).toBe(10);
  });

  test('the estimate multiplies by the variations', async () => {
    const dir = await room();
    const run = await runCli(['edit', 'room.jpg', '--provider', 'google:gemini-2.5-flash-image', '-n', '3', '--dry-run'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Estimated cost: \$0\.117 \(1 x 3 variations x \$0\.039;/);
  });
});
