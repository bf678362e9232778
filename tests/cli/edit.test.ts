import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { exifHasGps, makeHugePng, makeJpeg } from '../support/images.js';
import { runBuiltCli, runCli, SAMPLE, tempDir } from '../support/cli.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A JPEG from its start-of-scan marker on: the compressed pixels and the trailer. */
function jpegScan(jpeg: Buffer): Buffer {
  let i = 2;
  while (jpeg[i] === 0xff && jpeg[i + 1] !== 0xda) i += 2 + jpeg.readUInt16BE(i + 2);
  expect(jpeg[i + 1]).toBe(0xda);
  return jpeg.subarray(i);
}

describe('frameforge edit (one image)', () => {
  test('the README command: the built CLI edits the sample with mock, beside the input', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'sample-room.jpg'));
    const run = await runBuiltCli(['edit', 'sample-room.jpg', '--provider', 'mock'], { cwd: dir });
    expect(run.stderr).toContain('mock result');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('sample-room.edited.jpg');
    const meta = await sharp(path.join(dir, 'sample-room.edited.jpg')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1600, 1067]);
  });

  test('EXIF orientation 6 input comes out upright and the output has no GPS; the input is untouched', async () => {
    const dir = await tempDir();
    const input = await makeJpeg({ width: 60, height: 20, orientation: 6, gps: true });
    await writeFile(path.join(dir, 'photo.jpg'), input);
    const run = await runCli(['edit', 'photo.jpg', '--provider', 'mock', '-o', 'out.png'], { cwd: dir });
    expect(run.code).toBe(0);
    const meta = await sharp(path.join(dir, 'out.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 20, 60]);
    expect(exifHasGps(meta.exif)).toBe(false);
    expect(meta.exif).toBeUndefined();
    expect(sha(await readFile(path.join(dir, 'photo.jpg')))).toBe(sha(input));
  });

  test('GPS is removed losslessly when nothing else must change', async () => {
    const dir = await tempDir();
    const input = await makeJpeg({ gps: true, noise: true });
    await writeFile(path.join(dir, 'gps.jpg'), input);
    const run = await runCli(['edit', 'gps.jpg', '--provider', 'mock'], { cwd: dir });
    expect(run.code).toBe(0);
    const out = await readFile(path.join(dir, 'gps.edited.jpg'));
    expect((await sharp(out).metadata()).exif).toBeUndefined();
    expect(out.includes(Buffer.from('SN-0042-SECRET'))).toBe(false);
    // Losslessly: the compressed scan is the input's byte for byte (no re-encode), so the pixels are too.
    expect(jpegScan(out).equals(jpegScan(input))).toBe(true);
    const [a, b] = await Promise.all([sharp(input).raw().toBuffer(), sharp(out).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });

  test.each([
    ['a text file', 'notes.jpg', async () => Buffer.from('this is not a picture\n'), /notes\.jpg is not an image/],
    ['an empty file', 'empty.png', async () => Buffer.alloc(0), /empty\.png is empty/],
    ['a truncated JPEG', 'cut.jpg', async () => (await readFile(SAMPLE)).subarray(0, 17_000), /cut\.jpg is truncated/],
    ['a 30000x30000 PNG', 'bomb.png', async () => makeHugePng(30000, 30000), /bomb\.png is 30000x30000 pixels/],
  ])('%s is refused with a message naming the file, and no output appears', async (_label, name, make, message) => {
    const dir = await tempDir();
    await writeFile(path.join(dir, name), await make());
    const run = await runCli(['edit', name, '--provider', 'mock'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(await readdir(dir)).toEqual([name]);
  });

  test('an existing output is not overwritten without --force', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    await writeFile(path.join(dir, 'room.edited.jpg'), 'keep me');
    const skipped = await runCli(['edit', 'room.jpg', '--provider', 'mock', '--json'], { cwd: dir });
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout.split('\n')[0]!)).toMatchObject({ event: 'skipped', output: 'room.edited.jpg' });
    expect(await readFile(path.join(dir, 'room.edited.jpg'), 'utf8')).toBe('keep me');
    const forced = await runCli(['edit', 'room.jpg', '--provider', 'mock', '--force'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect((await sharp(path.join(dir, 'room.edited.jpg')).metadata()).format).toBe('jpeg');
  });

  test('an output onto the input is refused', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const run = await runCli(['edit', 'room.jpg', '--provider', 'mock', '-o', './room.jpg', '--force'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/it is an input/);
    expect(sha(await readFile(path.join(dir, 'room.jpg')))).toBe(sha(await readFile(SAMPLE)));
  });

  test.each([['unknown provider', 'dall-e'], ['path traversal', 'fal:../x']])('%s is refused with exit code 2', async (_label, provider) => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const run = await runCli(['edit', 'room.jpg', '--provider', provider], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(provider);
    expect(await readdir(dir)).toEqual(['room.jpg']);
  });

  test('a missing key exits 2 naming the variable; DEV_MODE falls back to mock, marked', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const missing = await runCli(['edit', 'room.jpg', '--provider', 'google'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/GOOGLE_API_KEY/);
    const dev = await runCli(['edit', 'room.jpg', '--provider', 'google', '--json'], { cwd: dir, env: { DEV_MODE: 'true' } });
    expect(dev.code).toBe(0);
    const events = dev.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The fallback is said once, as a warning event, before the items.
    expect(events[0]).toMatchObject({ event: 'warning', warning: expect.stringMatching(/DEV_MODE/) as unknown });
    expect(events.find((e) => e.event === 'done')).toMatchObject({ mock: true, fallback: 'mock' });
  });

  test('--json prints only JSON lines on stdout', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const run = await runCli(['edit', 'room.jpg', '--provider', 'mock', '--format', 'webp', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: 'done', input: 'room.jpg', output: 'room.edited.webp', providerId: 'mock' });
    expect(lines.at(-1)).toMatchObject({ event: 'summary', done: 1, failed: 0 });
    expect((await sharp(path.join(dir, 'room.edited.webp')).metadata()).format).toBe('webp');
  });

  test('a reference image (--with) that is not an image fails the edit, naming it', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    await writeFile(path.join(dir, 'sofa.png'), 'not a sofa');
    const run = await runCli(['edit', 'room.jpg', '--with', 'sofa.png', '--provider', 'mock'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/sofa\.png is not an image/);
  });
});
