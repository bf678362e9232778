/**
 * Real folders: symbolic links (loops, two paths to one file, links out of the
 * folder), files that vanish while a batch runs, and the summary agreeing with
 * the events. Each case is built in a temp folder and run through the CLI.
 */
import { link, mkdir, readFile, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { runCli, tempDir } from '../support/cli.js';
import { makeJpeg, makePng } from '../support/images.js';
import { jsonLines, listFiles } from '../batch/tree.js';

async function put(file: string, data: Buffer | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
}

const byEvent = (events: Record<string, unknown>[], event: string) => events.filter((e) => e.event === event);

describe('symbolic links', () => {
  test('a loop (loop -> ., up -> ..) with -r: each real folder walked once, each image edited once, dry run agrees', async () => {
    const dir = await tempDir();
    const listing = path.join(dir, 'listing');
    await put(path.join(listing, 'a.jpg'), await makeJpeg());
    await put(path.join(listing, 'b.png'), await makePng());
    await put(path.join(listing, 'notes.txt'), 'viewing on Saturday\n');
    await put(path.join(listing, 'sub/c.jpg'), await makeJpeg({ width: 40 }));
    await symlink('.', path.join(listing, 'loop'));
    await symlink('..', path.join(listing, 'sub/up'));

    const dry = await runCli(['edit', 'listing', '-r', '-o', 'out', '--provider', 'mock', '--dry-run', '--json'], { cwd: dir });
    expect(dry.code).toBe(0);
    const planned = byEvent(jsonLines(dry.stdout), 'planned');
    expect(planned.map((e) => e.input)).toEqual(['listing/a.jpg', 'listing/b.png', 'listing/sub/c.jpg']);
    expect(jsonLines(dry.stdout).at(-1)).toMatchObject({ event: 'summary', dryRun: true, total: 3, edit: 3, ignored: 1 });

    const run = await runCli(['edit', 'listing', '-r', '-o', 'out', '--provider', 'mock', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const events = jsonLines(run.stdout);
    expect(byEvent(events, 'done').map((e) => e.input)).toEqual(expect.arrayContaining(['listing/a.jpg', 'listing/b.png', 'listing/sub/c.jpg']));
    expect(byEvent(events, 'done')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ event: 'summary', total: 3, done: 3, skipped: 0, failed: 0, ignored: 1 });
    expect(await listFiles(path.join(dir, 'out'))).toEqual(['a.edited.jpg', 'b.edited.png', 'frameforge-manifest.jsonl', 'sub/c.edited.jpg']);
  });

  test('one file reached by two paths (a symbolic link and a hard link) is edited once; the others are reported as the same file', async () => {
    const dir = await tempDir();
    const listing = path.join(dir, 'listing');
    await put(path.join(listing, 'room.jpg'), await makeJpeg());
    await symlink('room.jpg', path.join(listing, 'salon.jpg'));
    await link(path.join(listing, 'room.jpg'), path.join(listing, 'zimmer.jpg'));
    // A file named on the command line that a folder also holds is the same file too.
    await symlink('listing/room.jpg', path.join(dir, 'shortcut.jpg'));

    const run = await runCli(['edit', 'listing', 'shortcut.jpg', '-o', 'out', '--provider', 'mock', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const events = jsonLines(run.stdout);
    expect(byEvent(events, 'done').map((e) => e.input)).toEqual(['listing/room.jpg']);
    expect(byEvent(events, 'skipped')).toEqual([
      { event: 'skipped', input: 'listing/salon.jpg', reason: 'the same file as listing/room.jpg' },
      { event: 'skipped', input: 'listing/zimmer.jpg', reason: 'the same file as listing/room.jpg' },
      { event: 'skipped', input: 'shortcut.jpg', reason: 'the same file as listing/room.jpg' },
    ]);
    expect(events.at(-1)).toMatchObject({ event: 'summary', total: 1, done: 1, ignored: 3 });
    const manifest = jsonLines(await readFile(path.join(dir, 'out/frameforge-manifest.jsonl'), 'utf8'));
    expect(manifest.map((l) => [l.input, l.status])).toEqual([
      ['listing/salon.jpg', 'skipped'],
      ['listing/zimmer.jpg', 'skipped'],
      ['shortcut.jpg', 'skipped'],
      ['listing/room.jpg', 'done'],
    ]);
    expect(await listFiles(path.join(dir, 'out'))).toEqual(['frameforge-manifest.jsonl', 'room.edited.jpg']);
  });

  test('a link to a folder outside the one given is followed, under the same rules (its link back is not walked again)', async () => {
    const dir = await tempDir();
    await put(path.join(dir, 'listing/a.jpg'), await makeJpeg());
    await put(path.join(dir, 'shared-photos/garden.jpg'), await makeJpeg({ width: 50 }));
    await symlink(path.join(dir, 'shared-photos'), path.join(dir, 'listing/shared'));
    await symlink(path.join(dir, 'listing'), path.join(dir, 'shared-photos/back'));

    const run = await runCli(['edit', 'listing', '-r', '-o', 'out', '--provider', 'mock', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const events = jsonLines(run.stdout);
    expect(byEvent(events, 'done').map((e) => [e.input, e.output]).sort()).toEqual([
      ['listing/a.jpg', 'out/a.edited.jpg'],
      ['listing/shared/garden.jpg', 'out/shared/garden.edited.jpg'],
    ]);
    expect(await listFiles(path.join(dir, 'out'))).toEqual(['a.edited.jpg', 'frameforge-manifest.jsonl', 'shared/garden.edited.jpg']);
  });
});

describe('an input deleted while the batch runs', () => {
  test('fails that item with input_not_found; the others are edited; exit 1', async () => {
    const dir = await tempDir();
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) await put(path.join(dir, 'listing', name), await makeJpeg());
    let stdout = '';
    let deleted: Promise<void> | undefined;
    const io: CliIO = {
      stdout: {
        write: (s: string) => {
          stdout += s;
          // One at a time, so b has not started when a is reported: it goes now, mid-run.
          if (!deleted && s.includes('"event":"done"')) deleted = unlink(path.join(dir, 'listing/b.jpg'));
          return true;
        },
      },
      stderr: { write: () => true },
      stdinIsTTY: false,
      env: {},
      cwd: dir,
      signal: new AbortController().signal,
    };
    const code = await main(['edit', 'listing', '-o', 'out', '--provider', 'mock', '--concurrency', '1', '--json'], io);
    await deleted;
    const events = jsonLines(stdout);
    expect(byEvent(events, 'done').map((e) => e.input)).toEqual(['listing/a.jpg', 'listing/c.jpg']);
    expect(byEvent(events, 'failed')).toEqual([
      expect.objectContaining({ input: 'listing/b.jpg', code: 'input_not_found', detail: expect.stringContaining('listing/b.jpg') }),
    ]);
    expect(events.at(-1)).toMatchObject({ event: 'summary', total: 3, done: 2, failed: 1 });
    expect(code).toBe(1);
  });

  test('a single named file that does not exist is still a usage error (exit 2)', async () => {
    const dir = await tempDir();
    const run = await runCli(['edit', 'gone.jpg', '--provider', 'mock'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('gone.jpg does not exist');
  });
});

describe('the summary and the events agree', () => {
  test('text: every count in the summary line is a number of lines printed; the start line says how many run at once', async () => {
    const dir = await tempDir();
    const listing = path.join(dir, 'listing');
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']) await put(path.join(listing, name), await makeJpeg());
    await put(path.join(listing, 'broken.jpg'), (await makeJpeg()).subarray(0, 100));
    await put(path.join(listing, 'notes.txt'), 'hello\n');
    await put(path.join(listing, 'plan.pdf'), '%PDF-1.4\n');
    await put(path.join(dir, 'out/a.edited.jpg'), await makeJpeg());

    const run = await runCli(['edit', 'listing', '-o', 'out', '--provider', 'mock'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n');
    expect(lines).toContain('Editing 5 images with mock, 5 at a time.');
    const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
    const edited = count(/^edited /);
    const skipped = count(/^skipped .*exists/);
    const failed = count(/^error/);
    const ignored = count(/^skipped .*: not an image$/);
    expect([edited, skipped, failed, ignored]).toEqual([3, 1, 1, 2]);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^Finished in .* s: ${edited} edited, ${skipped} skipped, ${failed} failed, ${ignored} ignored\\.$`)));

    const json = await runCli(['edit', 'listing', '-o', 'out2', '--provider', 'mock', '--json'], { cwd: dir });
    const events = jsonLines(json.stdout);
    expect(events.at(-1)).toMatchObject({
      event: 'summary',
      total: 5,
      done: byEvent(events, 'done').length,
      failed: byEvent(events, 'failed').length,
      ignored: byEvent(events, 'skipped').filter((e) => e.output === undefined).length,
    });
    expect(events.at(-1)).toMatchObject({ done: 4, failed: 1, ignored: 2 });
  });
});
