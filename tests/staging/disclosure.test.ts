/**
 * The disclosure XMP, read back by exiftool (not by our own parser): the IPTC
 * digital source type, software and model are there in JPEG, PNG and WebP
 * outputs; GPS, serial numbers and camera data are not, even when the
 * provider's image carries them; --no-disclosure writes no XMP at all.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, test } from 'vitest';
import { findTruncation, sniffFormat } from '../../src/core/image-format.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { exiftool, exiftoolBuffer } from '../support/exiftool.js';
import { makeJpeg } from '../support/images.js';
import { runCli, SAMPLE, tempDir } from '../support/cli.js';
import { form, jpeg, postEdit, startServer } from '../server/helpers.js';
import { VERSION } from '../../src/version.js';

let gemini: GeminiServer | undefined;
afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

const SOURCE_TYPE = 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia';

/** What a provider might send back: an image still carrying a camera's EXIF and GPS. */
const providerImages: Record<string, () => Promise<Buffer>> = {
  'a JPEG with GPS and a serial': () => makeJpeg({ width: 40, height: 30, gps: true }),
  'a PNG with alpha': () =>
    sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 10, g: 90, b: 200, alpha: 0.6 } } }).png().toBuffer(),
  'a lossy WebP with EXIF': () =>
    sharp({ create: { width: 40, height: 30, channels: 3, background: '#a63' } })
      .webp()
      .withExif({ IFD0: { Make: 'FrameForgeTestCam', Model: 'SN-0042-SECRET' } })
      .toBuffer(),
  'a lossless WebP': () => sharp({ create: { width: 41, height: 31, channels: 3, background: '#3a6' } }).webp({ lossless: true }).toBuffer(),
};

function expectNoPrivateData(tags: Record<string, unknown>): void {
  const keys = Object.keys(tags);
  expect(keys.filter((k) => /GPS|Serial|^IFD0:(Make|Model)|ExifIFD/.test(k))).toEqual([]);
  expect(JSON.stringify(tags)).not.toMatch(/SN-0042-SECRET|FrameForgeTestCam/);
  expect(keys.filter((k) => /Warning|Error/.test(k))).toEqual([]);
}

describe('disclosure metadata', () => {
  test.each(Object.keys(providerImages).flatMap((image) => (['jpeg', 'png', 'webp'] as const).map((format) => [image, format] as const)))(
    'provider returns %s, output %s: exiftool reads the source type, software and model, and no GPS or serial',
    async (image, format) => {
      gemini = await startGeminiServer({ apiKey: 'k', image: await providerImages[image]!() });
      const dir = await tempDir();
      await writeFile(path.join(dir, 'room.jpg'), await makeJpeg({ width: 64, height: 48, gps: true }));
      const out = `out.${format === 'jpeg' ? 'jpg' : format}`;
      const run = await runCli(['edit', 'room.jpg', '--provider', 'google:gemini-2.5-flash-image', '-o', out], {
        cwd: dir,
        env: { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url },
      });
      expect(run.code, run.stderr).toBe(0);
      const data = await readFile(path.join(dir, out));
      expect(sniffFormat(data)).toBe(format);
      expect(findTruncation(data, format)).toBeUndefined();
      const decoded = await sharp(data).raw().toBuffer({ resolveWithObject: true });
      expect(decoded.info.width).toBeGreaterThan(0);
      const tags = await exiftool(path.join(dir, out));
      expect(tags['XMP-iptcExt:DigitalSourceType']).toBe(SOURCE_TYPE);
      expect(tags['XMP-xmp:CreatorTool']).toBe(`FrameForge ${VERSION}`);
      expect(tags['XMP-iptcExt:AISystemUsed']).toBe('google:gemini-2.5-flash-image');
      expect(tags['XMP-iptcExt:AISystemVersionUsed']).toBe('gemini-2.5-flash-image');
      expect(tags['XMP-dc:Description']).toBe('Virtually staged');
      expectNoPrivateData(tags);
    },
  );

  test('--no-disclosure leaves no XMP, and the output is still free of GPS and serials', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'room.jpg'), await makeJpeg({ width: 64, height: 48, gps: true }));
    for (const format of ['jpeg', 'png', 'webp']) {
      const out = `out.${format}`;
      const run = await runCli(['edit', 'room.jpg', '--provider', 'mock', '--no-disclosure', '--format', format, '-o', out], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const tags = await exiftool(path.join(dir, out));
      expect(Object.keys(tags).filter((k) => k.startsWith('XMP'))).toEqual([]);
      expectNoPrivateData(tags);
    }
  });

  test('the mock result is disclosed too, and a JPEG keeps its pixels byte for byte (the XMP is added losslessly)', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    expect((await runCli(['edit', 'room.jpg', '--provider', 'mock', '-o', 'with.jpg'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['edit', 'room.jpg', '--provider', 'mock', '-o', 'without.jpg', '--no-disclosure'], { cwd: dir })).code).toBe(0);
    const withXmp = await readFile(path.join(dir, 'with.jpg'));
    const without = await readFile(path.join(dir, 'without.jpg'));
    expect((await exiftoolBuffer(withXmp, 'w.jpg'))['XMP-iptcExt:AISystemUsed']).toBe('mock');
    const [a, b] = await Promise.all([withXmp, without].map((d) => sharp(d).raw().toBuffer()));
    expect(a!.equals(b!)).toBe(true);
    expect(withXmp.length).toBeGreaterThan(without.length);
  });

  test('the server discloses by default, and not with disclosure=false', async () => {
    const server = await startServer();
    try {
      const on = await postEdit(server.url, form([['images', await jpeg(), 'r.jpg']], { provider: 'mock' }));
      expect(on.status).toBe(200);
      const tags = await exiftoolBuffer(Buffer.from(await on.arrayBuffer()), 'on.jpg');
      expect(tags['XMP-iptcExt:DigitalSourceType']).toBe(SOURCE_TYPE);
      // The answer is written in pieces (image around the XMP segment): whole and well-formed in every format.
      for (const [name, make] of Object.entries(providerImages)) {
        const input = await make();
        const format = sniffFormat(input)!;
        const res = await postEdit(server.url, form([['images', input, `r.${format}`]], { provider: 'mock' }));
        expect(res.status, name).toBe(200);
        const data = Buffer.from(await res.arrayBuffer());
        expect(Number(res.headers.get('content-length')), name).toBe(data.length);
        expect(sniffFormat(data), name).toBe(format);
        expect(findTruncation(data, format), name).toBeUndefined();
        expect((await sharp(data).metadata()).width, name).toBe((await sharp(input).metadata()).width);
        const read = await exiftoolBuffer(data, `on.${format}`);
        expect(read['XMP-iptcExt:AISystemUsed'], name).toBe('mock');
        expectNoPrivateData(read);
      }
      const off = await postEdit(server.url, form([['images', await jpeg(), 'r.jpg']], { provider: 'mock', disclosure: 'false' }));
      expect(off.status).toBe(200);
      const offTags = await exiftoolBuffer(Buffer.from(await off.arrayBuffer()), 'off.jpg');
      expect(Object.keys(offTags).filter((k) => k.startsWith('XMP'))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
