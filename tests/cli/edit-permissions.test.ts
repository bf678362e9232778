/**
 * Files and folders the user cannot read (chmod 000). Root reads everything,
 * so when the suite runs as root the built CLI runs as `nobody` (setpriv);
 * the tests say so and skip when neither works.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BIN, tempDir, type CliRun } from '../support/cli.js';
import { makeJpeg } from '../support/images.js';
import { jsonLines, listFiles } from '../batch/tree.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** The built CLI as an ordinary user: as is when the suite is not root, else as `nobody`. */
function runAsUser(args: string[], cwd: string): Promise<CliRun> {
  const [command, argv] = asRoot
    ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, BIN, ...args]]
    : [process.execPath, [BIN, ...args]];
  return new Promise((resolve) => {
    execFile(command, argv, { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A temp folder the other user can work in (mkdtemp makes it 0700). */
async function sharedTempDir(): Promise<string> {
  const dir = await tempDir('ff-perm-');
  await chmod(dir, 0o777);
  return dir;
}

let unavailable: string | undefined;
beforeAll(async () => {
  if (process.platform === 'win32') {
    unavailable = 'file modes do not apply on Windows';
    return;
  }
  const probe = await runAsUser(['--version'], await sharedTempDir());
  if (probe.code !== 0) {
    unavailable = `cannot run the CLI as a non-root user (${asRoot ? 'setpriv as nobody' : 'this user'}): ${probe.stderr.trim() || `exit ${probe.code}`}`;
  } else if (asRoot) {
    console.log('permission tests: the suite runs as root, so the CLI runs as nobody (setpriv)');
  }
});

describe('unreadable inputs', () => {
  test('a file named on the command line: exit 2, input_unreadable, naming the file and saying permission denied', async (ctx) => {
    if (unavailable) {
      console.log(`skipped: ${unavailable}`);
      return ctx.skip();
    }
    const dir = await sharedTempDir();
    await writeFile(path.join(dir, 'locked.jpg'), await makeJpeg());
    await chmod(path.join(dir, 'locked.jpg'), 0o000);

    const text = await runAsUser(['edit', 'locked.jpg', '--provider', 'mock'], dir);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('Cannot read locked.jpg: permission denied.');
    expect(text.stderr).not.toContain('unexpected');

    const json = await runAsUser(['edit', 'locked.jpg', '--provider', 'mock', '--json'], dir);
    expect(json.code).toBe(2);
    expect(jsonLines(json.stdout)).toContainEqual(expect.objectContaining({ event: 'failed', input: 'locked.jpg', code: 'input_unreadable' }));
  });

  test('inside a folder: the file is a failed item (input_unreadable), an unreadable subfolder is reported, the rest is edited', async (ctx) => {
    if (unavailable) {
      console.log(`skipped: ${unavailable}`);
      return ctx.skip();
    }
    const dir = await sharedTempDir();
    const listing = path.join(dir, 'listing');
    await mkdir(path.join(listing, 'private'), { recursive: true });
    await mkdir(path.join(listing, 'rooms'), { recursive: true });
    await writeFile(path.join(listing, 'a.jpg'), await makeJpeg());
    await writeFile(path.join(listing, 'locked.jpg'), await makeJpeg());
    await writeFile(path.join(listing, 'private/secret.jpg'), await makeJpeg());
    await writeFile(path.join(listing, 'rooms/b.jpg'), await makeJpeg());
    await chmod(path.join(listing, 'locked.jpg'), 0o000);
    await chmod(path.join(listing, 'private'), 0o000);

    const run = await runAsUser(['edit', 'listing', '-r', '-o', 'out', '--provider', 'mock', '--json'], dir);
    const events = jsonLines(run.stdout);
    expect(events.filter((e) => e.event === 'done').map((e) => e.input).sort()).toEqual(['listing/a.jpg', 'listing/rooms/b.jpg']);
    expect(events.filter((e) => e.event === 'failed')).toEqual([
      expect.objectContaining({ input: 'listing/locked.jpg', code: 'input_unreadable', detail: expect.stringContaining('Cannot read listing/locked.jpg: permission denied.') }),
    ]);
    expect(events.filter((e) => e.event === 'skipped')).toEqual([
      { event: 'skipped', input: 'listing/private', reason: 'cannot read this folder (permission denied); its files were not edited', folder: true },
    ]);
    expect(events.at(-1)).toMatchObject({ event: 'summary', total: 3, done: 2, failed: 1, ignored: 1 });
    expect(run.code).toBe(1);

    const manifest = jsonLines(await readFile(path.join(dir, 'out/frameforge-manifest.jsonl'), 'utf8'));
    expect(manifest.map((l) => [l.input, l.status, l.reason ?? (l.error as { code?: string } | undefined)?.code ?? null])).toEqual(
      expect.arrayContaining([
        ['listing/private', 'skipped', 'cannot read this folder (permission denied); its files were not edited'],
        ['listing/locked.jpg', 'failed', 'input_unreadable'],
        ['listing/a.jpg', 'done', null],
        ['listing/rooms/b.jpg', 'done', null],
      ]),
    );
    expect(await listFiles(path.join(dir, 'out'))).toEqual(['a.edited.jpg', 'frameforge-manifest.jsonl', 'rooms/b.edited.jpg']);

    // The text voice: a warning line for the folder, an error naming the file.
    const text = await runAsUser(['edit', 'listing', '-r', '-o', 'out2', '--provider', 'mock'], dir);
    expect(text.stderr).toContain('warning listing/private: cannot read this folder (permission denied)');
    expect(text.stderr).toContain('Cannot read listing/locked.jpg: permission denied.');
    expect(text.stderr).toMatch(/Finished in .* s: 2 edited, 0 skipped, 1 failed, 1 ignored\./);
  });
});
