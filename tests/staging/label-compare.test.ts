/**
 * The visible label and the before/after image, judged on decoded pixels
 * (sharp raw buffers): the label changes only pixels in its corner, is
 * readable on white and on black, and grows with the image; the compare
 * image has the layout's size and shows the original and the result.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, test } from 'vitest';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { exiftool } from '../support/exiftool.js';
import { makeJpeg } from '../support/images.js';
import { runCli, tempDir } from '../support/cli.js';
import { form, postEdit, startServer } from '../server/helpers.js';

let gemini: GeminiServer | undefined;
afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

interface Raw {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

async function raw(input: Buffer | string): Promise<Raw> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** The bounding box of the pixels that differ between two same-sized images, and how many. */
function diffBox(a: Raw, b: Raw): { count: number; left: number; top: number; right: number; bottom: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  const box = { count: 0, left: Infinity, top: Infinity, right: -1, bottom: -1 };
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * a.channels;
      if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) {
        box.count++;
        box.left = Math.min(box.left, x);
        box.top = Math.min(box.top, y);
        box.right = Math.max(box.right, x);
        box.bottom = Math.max(box.bottom, y);
      }
    }
  }
  return box;
}

/** Pixels in a box darker than 100 and brighter than 200 (mean of the channels). */
function tones(img: Raw, box: { left: number; top: number; right: number; bottom: number }): { dark: number; bright: number } {
  let dark = 0;
  let bright = 0;
  for (let y = box.top; y <= box.bottom; y++) {
    for (let x = box.left; x <= box.right; x++) {
      const i = (y * img.width + x) * img.channels;
      const v = (img.data[i]! + img.data[i + 1]! + img.data[i + 2]!) / 3;
      if (v < 100) dark++;
      if (v > 200) bright++;
    }
  }
  return { dark, bright };
}

function pixel(img: Raw, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

const png = (width: number, height: number, background: string) => sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();

async function edit(dir: string, input: string, out: string, extra: string[]): Promise<Raw> {
  const run = await runCli(['edit', input, '--provider', 'mock', '-o', out, ...extra], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  return raw(path.join(dir, out));
}

describe('--label', () => {
  test.each([
    ['top-left', (w: number, h: number) => ({ x: [0, w / 2], y: [0, h / 2] })],
    ['top-right', (w: number, h: number) => ({ x: [w / 2, w], y: [0, h / 2] })],
    ['bottom-left', (w: number, h: number) => ({ x: [0, w / 2], y: [h / 2, h] })],
    ['bottom-right', (w: number, h: number) => ({ x: [w / 2, w], y: [h / 2, h] })],
  ])('%s: only pixels in that corner change', async (position, corner) => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'room.png'), await png(480, 320, '#8a9bb0'));
    const plain = await edit(dir, 'room.png', 'plain.png', []);
    const labelled = await edit(dir, 'room.png', 'labelled.png', ['--label', 'Virtually staged', '--label-position', position]);
    const box = diffBox(plain, labelled);
    expect(box.count).toBeGreaterThan(1000);
    const { x, y } = corner(480, 320);
    expect(box.left).toBeGreaterThanOrEqual(x[0]!);
    expect(box.right).toBeLessThan(x[1]!);
    expect(box.top).toBeGreaterThanOrEqual(y[0]!);
    expect(box.bottom).toBeLessThan(y[1]!);
  });

  test('legible on white and on black: dark band and bright text inside the label', async () => {
    const dir = await tempDir();
    for (const background of ['#ffffff', '#000000']) {
      await writeFile(path.join(dir, 'room.png'), await png(400, 300, background));
      const plain = await edit(dir, 'room.png', 'plain.png', ['--force']);
      const labelled = await edit(dir, 'room.png', 'labelled.png', ['--label', 'Virtually staged', '--force']);
      // On black the band barely changes the pixels, so the box is where anything changed (the text).
      const box = diffBox(plain, labelled);
      expect(box.count, background).toBeGreaterThan(100);
      const { dark, bright } = tones(labelled, box);
      expect(dark, background).toBeGreaterThan(100);
      expect(bright, background).toBeGreaterThan(50);
    }
  });

  test('scales with the image: a 10x larger photo gets a much larger label', async () => {
    const dir = await tempDir();
    const heights: number[] = [];
    for (const [w, h] of [[300, 200], [3000, 2000]] as const) {
      await writeFile(path.join(dir, 'room.png'), await png(w, h, '#777777'));
      const box = diffBox(await edit(dir, 'room.png', 'plain.png', ['--force']), await edit(dir, 'room.png', 'labelled.png', ['--label', 'Staged', '--force']));
      heights.push(box.bottom - box.top + 1);
    }
    expect(heights[1]! / heights[0]!).toBeGreaterThan(5);
  });

  test('a bad position or an empty label is a usage error; the server takes label and label_position', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'room.png'), await png(100, 80, '#777777'));
    expect((await runCli(['edit', 'room.png', '--provider', 'mock', '--label', '  '], { cwd: dir })).code).toBe(2);
    const server = await startServer();
    try {
      const input = await png(300, 200, '#777777');
      const plain = await raw(Buffer.from(await (await postEdit(server.url, form([['images', input, 'r.png']], { provider: 'mock' }))).arrayBuffer()));
      const res = await postEdit(server.url, form([['images', input, 'r.png']], { provider: 'mock', label: 'Staged', label_position: 'top-left' }));
      expect(res.status).toBe(200);
      const box = diffBox(plain, await raw(Buffer.from(await res.arrayBuffer())));
      expect(box.count).toBeGreaterThan(100);
      expect(box.right).toBeLessThan(150);
      expect(box.bottom).toBeLessThan(100);
      const bad = await postEdit(server.url, form([['images', input, 'r.png']], { provider: 'mock', label: 'x', label_position: 'middle' }));
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'usage', detail: expect.stringMatching(/^label_position must be one of/) });
    } finally {
      await server.close();
    }
  });
});

describe('--compare', () => {
  async function compare(input: Buffer, inputName: string, result: Buffer): Promise<{ img: Raw; file: string }> {
    gemini = await startGeminiServer({ apiKey: 'k', image: result });
    const dir = await tempDir();
    await writeFile(path.join(dir, inputName), input);
    const run = await runCli(['edit', inputName, '--provider', 'google', '--compare'], { cwd: dir, env: { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url } });
    expect(run.code, run.stderr).toBe(0);
    const file = path.join(dir, `${inputName.replace(/\.\w+$/, '')}.compare.jpg`);
    expect((await sharp(await readFile(file)).metadata()).format).toBe('jpeg');
    await gemini.close();
    gemini = undefined;
    return { img: await raw(file), file };
  }

  const near = (actual: number[], expected: number[]) => actual.every((v, i) => Math.abs(v - expected[i]!) < 24);

  test('landscape: side by side at the result\'s height, original left, result right, labelled, disclosed', async () => {
    const { img, file } = await compare(await makeJpeg({ width: 600, height: 400, color: '#d02020' }), 'room.jpg', await png(300, 200, '#20c040'));
    // The original (3:2) scaled to the result's height 200 is 300 wide: 300 + 300.
    expect([img.width, img.height]).toEqual([600, 200]);
    expect(near(pixel(img, 150, 150), [208, 32, 32])).toBe(true);
    expect(near(pixel(img, 450, 150), [32, 192, 64])).toBe(true);
    // "Before" and "After" labels sit in each half's top-left corner.
    expect(tones(img, { left: 0, top: 0, right: 60, bottom: 25 }).bright).toBeGreaterThan(10);
    expect(tones(img, { left: 300, top: 0, right: 360, bottom: 25 }).bright).toBeGreaterThan(10);
    const tags = await exiftool(file);
    expect(tags['XMP-iptcExt:DigitalSourceType']).toMatch(/compositeWithTrainedAlgorithmicMedia$/);
  });

  test('portrait (EXIF-rotated input): stacked at the result\'s width, original on top', async () => {
    // Stored 400x200 with orientation 6: the photo is 200x400 upright.
    const input = await makeJpeg({ width: 400, height: 200, orientation: 6, color: '#2040d0' });
    const { img } = await compare(input, 'hall.jpg', await png(150, 300, '#e0c020'));
    expect([img.width, img.height]).toEqual([150, 300 + 300]);
    expect(near(pixel(img, 75, 200), [32, 64, 208])).toBe(true);
    expect(near(pixel(img, 75, 450), [224, 192, 32])).toBe(true);
  });
});
