/**
 * Atomic writes: readers see nothing or the whole file, an existing file is
 * never clobbered without `overwrite`, and no temporary file is left behind,
 * whether the write succeeds or fails.
 */
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempPathFor, writeFileAtomic } from '../../src/core/atomic-write.js';
import { failure } from '../support/failure.js';

const dir = () => mkdtemp(path.join(tmpdir(), 'ff-atomic-'));

describe('writeFileAtomic', () => {
  it('writes the bytes, creating missing folders, and leaves no temporary file', async () => {
    const root = await dir();
    const target = path.join(root, 'a', 'b', 'out.png');
    await writeFileAtomic(target, Buffer.from('whole file'));
    expect(await readFile(target, 'utf8')).toBe('whole file');
    expect(await readdir(path.dirname(target))).toEqual(['out.png']);
  });

  // Linux shows a process's open files in /proc/self/fd: a batch writes thousands of outputs.
  it.runIf(process.platform === 'linux')('closes the temporary file: many writes leave no descriptor open', async () => {
    const root = await dir();
    const open = async () => (await readdir('/proc/self/fd')).length;
    const before = await open();
    for (let i = 0; i < 20; i++) await writeFileAtomic(path.join(root, `out-${i}.png`), Buffer.from('whole file'));
    expect(await open()).toBeLessThan(before + 5);
  });

  it('refuses to replace an existing file without overwrite: output_error naming it, with the --force hint; the file is kept', async () => {
    const root = await dir();
    const target = path.join(root, 'out.png');
    await writeFile(target, 'keep me');
    const error = await failure(writeFileAtomic(target, Buffer.from('new')));
    expect(error.code).toBe('output_error');
    expect(error.message).toBe(`${target} already exists.`);
    expect(error.subject).toBe(target);
    expect(error.hint).toMatch(/--force/);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EEXIST');
    expect(await readFile(target, 'utf8')).toBe('keep me');
    expect(await readdir(root)).toEqual(['out.png']);
  });

  it('replaces an existing file with overwrite', async () => {
    const root = await dir();
    const target = path.join(root, 'out.png');
    await writeFile(target, 'old');
    await writeFileAtomic(target, Buffer.from('new'), { overwrite: true });
    expect(await readFile(target, 'utf8')).toBe('new');
    expect(await readdir(root)).toEqual(['out.png']);
  });

  it('any other failure is output_error "Could not write", with the cause, and the temporary file removed', async () => {
    const root = await dir();
    // A non-empty folder where the file should go: the final rename fails (not with EEXIST).
    const target = path.join(root, 'taken');
    await mkdir(target);
    await writeFile(path.join(target, 'inside'), 'x');
    const error = await failure(writeFileAtomic(target, Buffer.from('new'), { overwrite: true }));
    expect(error.code).toBe('output_error');
    expect(error.message).toMatch(new RegExp(`^Could not write ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(error.subject).toBe(target);
    expect(error.hint).toBeUndefined();
    expect(error.cause).toBeInstanceOf(Error);
    expect(await readdir(root)).toEqual(['taken']);
  });
});

describe('tempPathFor', () => {
  it('is a hidden, unique .tmp name beside the target, carrying the process id', () => {
    const target = path.join('/data', 'out', 'room.png');
    const a = tempPathFor(target);
    const b = tempPathFor(target);
    expect(path.dirname(a)).toBe(path.dirname(target));
    expect(path.basename(a)).toMatch(new RegExp(`^\\.room\\.png\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
    expect(a).not.toBe(b);
  });
});
