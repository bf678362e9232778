import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { runCli, tempDir } from '../support/cli.js';
import { makeJpeg, makePng } from '../support/images.js';
import { hashTree, jsonLines, listFiles, makeListingTree } from '../batch/tree.js';

const EXT: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

/** Where the default template puts an input's result under out/, mirroring the tree. */
async function expectedOutput(root: string, rel: string): Promise<string> {
  const format = (await sharp(path.join(root, rel)).metadata()).format!;
  const base = path.basename(rel, path.extname(rel));
  return path.join(path.dirname(rel), `${base}.edited.${EXT[format]}`);
}

describe('frameforge edit on a directory tree (mock provider)', () => {
  test('every image is edited into the mirrored tree; the corrupt one fails, non-images are reported; exit 1; one manifest line per item', async () => {
    const dir = await tempDir();
    const tree = await makeListingTree(path.join(dir, 'listings'));
    const before = await hashTree(tree.root);
    const run = await runCli(['edit', 'listings', '-r', '-o', 'staged', '--provider', 'mock', '--json'], { cwd: dir });
    expect(run.code).toBe(1);

    const events = jsonLines(run.stdout);
    const done = events.filter((e) => e.event === 'done');
    expect(done.map((e) => path.relative('listings', e.input as string)).sort()).toEqual([...tree.good].sort());
    const failed = events.filter((e) => e.event === 'failed');
    expect(failed).toEqual([expect.objectContaining({ input: path.join('listings', tree.corrupt), code: 'corrupt_image' })]);
    const notImages = events.filter((e) => e.event === 'skipped');
    expect(notImages.map((e) => path.relative('listings', e.input as string)).sort()).toEqual([...tree.nonImages].sort());
    expect(notImages.every((e) => e.reason === 'not an image')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'summary', total: 30, done: 29, failed: 1, skipped: 0 });

    // Outputs mirror the input tree, are whole images, and nothing else was written.
    const expected = await Promise.all(tree.good.map((rel) => expectedOutput(tree.root, rel)));
    expect(await listFiles(path.join(dir, 'staged'))).toEqual([...expected, 'frameforge-manifest.jsonl'].sort());
    for (const rel of expected) expect((await sharp(path.join(dir, 'staged', rel)).metadata()).width).toBeGreaterThan(0);

    const manifest = jsonLines(await readFile(path.join(dir, 'staged', 'frameforge-manifest.jsonl'), 'utf8'));
    expect(manifest).toHaveLength(33);
    expect(new Set(manifest.map((l) => l.input)).size).toBe(33);
    for (const line of manifest) {
      expect(line).toMatchObject({ provider: 'mock', model: 'mock', prompt: expect.stringContaining('Stage this room'), run: expect.any(String) });
    }
    const doneLines = manifest.filter((l) => l.status === 'done');
    expect(doneLines).toHaveLength(29);
    for (const line of doneLines) expect(line).toMatchObject({ attempts: 1, durationMs: expect.any(Number), output: expect.stringMatching(/^staged/) });
    expect(manifest.find((l) => l.status === 'failed')).toMatchObject({
      input: path.join('listings', tree.corrupt),
      error: { code: 'corrupt_image', message: expect.stringContaining('broken.jpg') },
    });
    expect(manifest.filter((l) => l.status === 'skipped')).toHaveLength(3);

    expect(await hashTree(tree.root)).toEqual(before);
  });

  test('a rerun skips finished items, redoes empty and truncated leftovers, and appends to the manifest', async () => {
    const dir = await tempDir();
    const tree = await makeListingTree(path.join(dir, 'in'));
    expect((await runCli(['edit', 'in', '-r', '-o', 'out', '--provider', 'mock'], { cwd: dir })).code).toBe(1);
    const [first, second] = await Promise.all(tree.good.slice(0, 2).map((rel) => expectedOutput(tree.root, rel)));
    await writeFile(path.join(dir, 'out', first!), Buffer.alloc(0));
    const whole = await readFile(path.join(dir, 'out', second!));
    await writeFile(path.join(dir, 'out', second!), whole.subarray(0, Math.floor(whole.length / 2)));

    const rerun = await runCli(['edit', 'in', '-r', '-o', 'out', '--provider', 'mock', '--json'], { cwd: dir });
    expect(rerun.code).toBe(1);
    const events = jsonLines(rerun.stdout);
    expect(events.filter((e) => e.event === 'done').map((e) => e.output).sort()).toEqual([path.join('out', first!), path.join('out', second!)].sort());
    expect(events.filter((e) => e.event === 'skipped' && e.reason === 'output exists')).toHaveLength(27);
    expect((await readFile(path.join(dir, 'out', second!))).equals(whole)).toBe(true);
    const manifest = jsonLines(await readFile(path.join(dir, 'out', 'frameforge-manifest.jsonl'), 'utf8'));
    expect(manifest).toHaveLength(66);
    expect(new Set(manifest.map((l) => l.run)).size).toBe(2);
  });

  test('without -o, results go beside each input, and a rerun does not take them for new inputs', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'photos', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'photos', 'a.jpg'), await makeJpeg());
    await writeFile(path.join(dir, 'photos', 'sub', 'b.png'), await makePng());
    const first = await runCli(['edit', 'photos', '--recursive', '--provider', 'mock'], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n').filter(Boolean).sort()).toEqual([path.join('photos', 'a.edited.jpg'), path.join('photos', 'sub', 'b.edited.png')]);
    const again = await runCli(['edit', 'photos', '--recursive', '--provider', 'mock', '--json'], { cwd: dir });
    expect(jsonLines(again.stdout).at(-1)).toMatchObject({ event: 'summary', total: 2, skipped: 2, done: 0 });
    expect(await listFiles(path.join(dir, 'photos'))).toEqual(['a.edited.jpg', 'a.jpg', path.join('sub', 'b.edited.png'), path.join('sub', 'b.png')]);
  });

  test('without --recursive, subdirectories are not entered', async () => {
    const dir = await tempDir();
    const tree = await makeListingTree(path.join(dir, 'in'));
    const run = await runCli(['edit', 'in', '-o', 'out', '--provider', 'mock', '--json'], { cwd: dir });
    const topLevel = tree.good.filter((rel) => !rel.includes(path.sep));
    expect(jsonLines(run.stdout).filter((e) => e.event === 'done')).toHaveLength(topLevel.length);
  });

  test('--name renders the template; {provider} is made file-name safe', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'room.jpg'), await makeJpeg());
    await writeFile(path.join(dir, 'hall.png'), await makePng());
    const run = await runCli(['edit', 'room.jpg', 'hall.png', '-o', 'out', '--name', '{name}-{input_ext}.{provider}.{ext}', '--provider', 'mock', '--format', 'webp'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(await listFiles(path.join(dir, 'out'))).toEqual(['frameforge-manifest.jsonl', 'hall-png.mock.webp', 'room-jpg.mock.webp']);
    const dry = await runCli(['edit', 'room.jpg', '-o', 'x/', '--name', '{name}.{provider}.{ext}', '--provider', 'fal:fal-ai/nano-banana/edit', '--dry-run'], { cwd: dir });
    expect(dry.stdout.trim()).toBe(`room.jpg -> ${path.join('x', 'room.fal-fal-ai-nano-banana-edit.jpg')}`);
  });

  test('two inputs onto one output is a usage error naming both, before anything runs', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'in'));
    await writeFile(path.join(dir, 'in', 'room.jpg'), await makeJpeg());
    await writeFile(path.join(dir, 'in', 'room.png'), await makePng());
    const run = await runCli(['edit', 'in', '-o', 'out', '--format', 'jpeg', '--provider', 'mock'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/room\.jpg and .*room\.png -> out[/\\]room\.edited\.jpg/);
    expect(await listFiles(dir)).toEqual([path.join('in', 'room.jpg'), path.join('in', 'room.png')]);
  });

  test.each([
    ['{provider}.{ext}', /must contain \{name\}/],
    ['../{name}.{ext}', /may not contain \//],
    ['{name}.{colour}.{ext}', /unknown placeholder \{colour\}/],
  ])('--name %s is refused', async (template, message) => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'room.jpg'), await makeJpeg());
    const run = await runCli(['edit', 'room.jpg', '--name', template, '--provider', 'mock'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  test('--concurrency must be a whole number from 1 to 64', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'room.jpg'), await makeJpeg());
    for (const bad of ['0', 'many', '65']) {
      const run = await runCli(['edit', 'room.jpg', '--concurrency', bad, '--provider', 'mock'], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--concurrency must be a whole number/);
    }
  });

  test('--dry-run lists each input and its output, writes nothing, and needs no key', async () => {
    const dir = await tempDir();
    const tree = await makeListingTree(path.join(dir, 'in'));
    const run = await runCli(['edit', 'in', '-r', '-o', 'out', '--provider', 'google', '--dry-run', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const planned = jsonLines(run.stdout).filter((e) => e.event === 'planned');
    expect(planned).toHaveLength(30);
    expect(planned.find((e) => e.input === path.join('in', tree.good[1]!))).toMatchObject({
      output: path.join('out', await expectedOutput(tree.root, tree.good[1]!)),
      action: 'edit',
    });
    expect(await listFiles(dir)).toEqual((await listFiles(tree.root)).map((f) => path.join('in', f)));
  });

  test('--json prints only JSON lines on stdout; text mode prints output paths on stdout and progress on stderr', async () => {
    const dir = await tempDir();
    await makeListingTree(path.join(dir, 'in'));
    const json = await runCli(['edit', 'in', '-r', '-o', 'j', '--provider', 'mock', '--json'], { cwd: dir });
    // Every stdout line is one JSON event (an empty stdout would prove nothing): one per item, then the summary.
    const lines = json.stdout.split('\n').filter(Boolean);
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.filter((e) => e.event === 'done')).toHaveLength(29);
    expect(events.filter((e) => e.event === 'failed')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ event: 'summary', total: 30, done: 29, failed: 1 });
    expect(json.stdout.endsWith('\n')).toBe(true);
    expect(json.stderr).toBe('');
    const text = await runCli(['edit', 'in', '-r', '-o', 't', '--provider', 'mock'], { cwd: dir });
    expect(text.stdout.split('\n').filter(Boolean)).toHaveLength(29);
    expect(text.stderr).toMatch(/Finished in .* 29 edited, 0 skipped, 1 failed/);
    expect(text.stderr).toMatch(/skipped in[/\\]notes\.txt: not an image/);
  });
});

describe('Ctrl-C during a batch (in process)', () => {
  test('stops starting items, leaves no partial files, lists what is left, exits 130; the same command finishes the rest', async () => {
    const dir = await tempDir();
    const tree = await makeListingTree(path.join(dir, 'in'));
    const before = await hashTree(tree.root);
    const controller = new AbortController();
    let stdout = '';
    let doneSeen = 0;
    const io: CliIO = {
      stdout: {
        write: (s: string) => {
          stdout += s;
          // Ctrl-C after the third finished item.
          if (s.includes('"event":"done"') && ++doneSeen === 3) controller.abort(new DOMException('Interrupted by SIGINT', 'AbortError'));
        },
      },
      stderr: { write: () => {} },
      stdinIsTTY: false,
      env: {},
      cwd: dir,
      signal: controller.signal,
    };
    const args = ['edit', 'in', '-r', '-o', 'out', '--provider', 'mock', '--concurrency', '2', '--json'];
    expect(await main(args, io)).toBe(130);
    const events = jsonLines(stdout);
    const done = events.filter((e) => e.event === 'done').length;
    expect(done).toBeLessThan(10);
    const interrupted = events.find((e) => e.event === 'interrupted') as { remaining: { input: string }[] };
    expect(interrupted.remaining.length).toBe(30 - done - events.filter((e) => e.event === 'failed').length);
    expect(events.at(-1)).toMatchObject({ event: 'summary', interrupted: true });
    // Only whole outputs, no temp files, and the manifest records every finished item.
    const written = (await listFiles(path.join(dir, 'out'))).filter((f) => f !== 'frameforge-manifest.jsonl');
    expect(written).toHaveLength(done);
    for (const f of written) expect((await sharp(path.join(dir, 'out', f)).metadata()).width).toBeGreaterThan(0);
    const manifest = jsonLines(await readFile(path.join(dir, 'out', 'frameforge-manifest.jsonl'), 'utf8'));
    expect(manifest.filter((l) => l.status === 'done')).toHaveLength(done);

    const rerun = await runCli(args, { cwd: dir });
    expect(rerun.code).toBe(1);
    const again = jsonLines(rerun.stdout);
    expect(again.filter((e) => e.event === 'done')).toHaveLength(29 - done);
    expect(again.filter((e) => e.event === 'skipped' && e.reason === 'output exists')).toHaveLength(done);
    expect(await hashTree(tree.root)).toEqual(before);
  });

  test('in text mode, says what is left and how to finish', async () => {
    const dir = await tempDir();
    await makeListingTree(path.join(dir, 'in'));
    const controller = new AbortController();
    let stderr = '';
    const io: CliIO = {
      stdout: { write: () => controller.abort(new DOMException('Interrupted by SIGINT', 'AbortError')) },
      stderr: { write: (s: string) => (stderr += s) },
      stdinIsTTY: false,
      env: {},
      cwd: dir,
      signal: controller.signal,
    };
    expect(await main(['edit', 'in', '-r', '-o', 'out', '--provider', 'mock', '--concurrency', '1'], io)).toBe(130);
    expect(stderr).toMatch(/interrupted after .* 1 edited, 0 skipped, \d failed, \d+ left/);
    expect(stderr).toMatch(/left: in[/\\]/);
    expect(stderr).toMatch(/Run the same command again/);
  });
});
