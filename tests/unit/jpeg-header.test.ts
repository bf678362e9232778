// inspectImage reads an upright JPEG's size from its header without sharp (jpeg-header.ts).
// These tests hold it to sharp's own reading: the same size for every JPEG it answers
// for, no answer for a rotated one, and every corrupt header still refused by sharp
// with the error inspectImage gave before.
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { FrameForgeError } from '../../src/core/errors.js';
import { inspectImage } from '../../src/core/images.js';
import { uprightJpegSize } from '../../src/core/jpeg-header.js';
import { makeJpeg } from '../support/images.js';
import { failure } from '../support/failure.js';

const MAX_PIXELS = 100_000_000;

/** The JPEG's segments before its first scan (marker, offset of the 0xFF, total length), found independently of the code under test. */
function segments(jpeg: Buffer): { marker: number; at: number; length: number }[] {
  const out = [];
  let i = 2;
  for (;;) {
    const marker = jpeg[i + 1]!;
    const length = 2 + jpeg.readUInt16BE(i + 2);
    out.push({ marker, at: i, length });
    if (marker === 0xda) return out;
    i += length;
  }
}

function segment(jpeg: Buffer, marker: number) {
  const found = segments(jpeg).find((s) => s.marker === marker);
  if (!found) throw new Error(`no segment ${marker.toString(16)}`);
  return found;
}

async function variety(): Promise<{ what: string; jpeg: Buffer }[]> {
  const base = () => sharp({ create: { width: 97, height: 61, channels: 3, background: '#a63' } });
  return [
    { what: 'baseline 4:2:0', jpeg: await base().jpeg({ quality: 85 }).toBuffer() },
    { what: 'progressive', jpeg: await base().jpeg({ progressive: true }).toBuffer() },
    { what: '4:4:4', jpeg: await base().jpeg({ chromaSubsampling: '4:4:4' }).toBuffer() },
    { what: 'greyscale', jpeg: await base().greyscale().jpeg().toBuffer() },
    { what: 'mozjpeg', jpeg: await base().jpeg({ mozjpeg: true }).toBuffer() },
    { what: 'with an ICC profile', jpeg: await base().withIccProfile('p3').jpeg().toBuffer() },
    { what: 'EXIF orientation 1', jpeg: await base().withMetadata({ orientation: 1 }).jpeg().toBuffer() },
    { what: 'EXIF with GPS, no orientation', jpeg: await makeJpeg({ gps: true }) },
  ];
}

function refusal(data: Buffer, name: string): Promise<FrameForgeError> {
  return failure(inspectImage(data, name, MAX_PIXELS));
}

describe("an upright JPEG's size from its header", () => {
  test('the same size sharp reads, for each kind of JPEG an encoder makes', async () => {
    for (const { what, jpeg } of await variety()) {
      const meta = await sharp(jpeg).metadata();
      expect(uprightJpegSize(jpeg), what).toEqual({ width: meta.width, height: meta.height });
      const inspected = await inspectImage(jpeg, 'a.jpg', MAX_PIXELS);
      expect([inspected.width, inspected.height, inspected.orientation, inspected.hasAlpha, inspected.pages], what).toEqual([
        meta.width,
        meta.height,
        meta.orientation ?? 1,
        meta.hasAlpha,
        meta.pages ?? 1,
      ]);
    }
  });

  test('a rotated JPEG is left to sharp, which reads its orientation', async () => {
    const jpeg = await makeJpeg({ width: 64, height: 32, orientation: 6 });
    expect(uprightJpegSize(jpeg)).toBeUndefined();
    expect((await inspectImage(jpeg, 'r.jpg', MAX_PIXELS)).orientation).toBe(6);
  });

  test('a huge declared size is still refused from the header', async () => {
    const jpeg = await makeJpeg({ width: 64, height: 32 });
    const sof = segment(jpeg, 0xc0);
    const big = Buffer.from(jpeg);
    big.writeUInt16BE(60000, sof.at + 5);
    big.writeUInt16BE(60000, sof.at + 7);
    const error = await refusal(big, 'big.jpg');
    expect(error.code).toBe('image_too_large');
    expect(error.message).toContain('60000x60000');
  });

  const corruptions: [string, (jpeg: Buffer) => Buffer][] = [
    ['a frame of height 0', (j) => { const b = Buffer.from(j); b.writeUInt16BE(0, segment(j, 0xc0).at + 5); return b; }],
    ['no frame header', (j) => { const s = segment(j, 0xc0); return Buffer.concat([j.subarray(0, s.at), j.subarray(s.at + s.length)]); }],
    ['a Huffman table of more than 256 symbols', (j) => { const b = Buffer.from(j); b.fill(0xff, segment(j, 0xc4).at + 5, segment(j, 0xc4).at + 21); return b; }],
    ['a scan of a component the frame lacks', (j) => { const b = Buffer.from(j); b[segment(j, 0xda).at + 5] = 9; return b; }],
    ['a frame of 2 components declared with the length of 3', (j) => { const b = Buffer.from(j); b[segment(j, 0xc0).at + 9] = 2; return b; }],
  ];
  for (const [what, corrupt] of corruptions) {
    test(`${what}: refused as corrupt, as before`, async () => {
      const bad = corrupt(await makeJpeg({ width: 64, height: 32 }));
      expect(uprightJpegSize(bad)).toBeUndefined();
      await expect(sharp(bad).metadata()).rejects.toThrow();
      const error = await refusal(bad, 'bad.jpg');
      expect(error.code).toBe('corrupt_image');
      expect(error.message).toBe('bad.jpg could not be read as JPEG.');
    });
  }

  test('never answers for a header sharp refuses, nor differs from it (bytes of the header changed at random)', async () => {
    const jpegs = (await variety()).map((v) => v.jpeg);
    let seed = 15;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let answered = 0;
    for (let n = 0; n < 400; n++) {
      const jpeg = jpegs[n % jpegs.length]!;
      const headerEnd = segment(jpeg, 0xda).at + segment(jpeg, 0xda).length;
      const bad = Buffer.from(jpeg);
      for (let k = 0; k < 1 + (n % 3); k++) bad[2 + Math.floor(random() * (headerEnd - 2))] = Math.floor(random() * 256);
      const size = uprightJpegSize(bad);
      if (!size) continue;
      answered++;
      const meta = await sharp(bad).metadata();
      expect({ width: meta.width, height: meta.height, orientation: meta.orientation ?? 1 }).toEqual({ ...size, orientation: 1 });
    }
    // Most single-byte changes land in table data and leave a readable header.
    expect(answered).toBeGreaterThan(100);
  });
});
