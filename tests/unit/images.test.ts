import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { FrameForgeError } from '../../src/core/errors.js';
import { findTruncation, sniffFormat } from '../../src/core/image-format.js';
import { encodeOutput, inspectImage, prepareForProvider } from '../../src/core/images.js';
import { stripMetadata } from '../../src/core/metadata-strip.js';
import { exifHasGps, makeHugePng, makeJpeg, makePng, makeWebp } from '../support/images.js';
import { failure } from '../support/failure.js';

const MAX_PIXELS = 100_000_000;

/** One PNG chunk: length, type, data, CRC over type and data. */
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** The chunks of a PNG, each with its length, type and CRC. */
function pngChunks(png: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 8; i < png.length; ) {
    const end = i + 12 + png.readUInt32BE(i);
    chunks.push(png.subarray(i, end));
    i = end;
  }
  return chunks;
}

function refusal(data: Buffer, name: string): Promise<FrameForgeError> {
  return failure(inspectImage(data, name, MAX_PIXELS));
}

describe('recognizing images by their bytes', () => {
  test('sniffs each format regardless of name', async () => {
    expect(sniffFormat(await makeJpeg())).toBe('jpeg');
    expect(sniffFormat(await makePng())).toBe('png');
    expect(sniffFormat(await makeWebp())).toBe('webp');
    expect(sniffFormat(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).gif().toBuffer())).toBe('gif');
    expect(sniffFormat(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).tiff().toBuffer())).toBe('tiff');
    expect(sniffFormat(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#000' } }).avif().toBuffer())).toBe('avif');
    expect(sniffFormat(Buffer.from('just some text, not an image'))).toBeUndefined();
  });

  test('a text file is refused as unsupported, naming the file', async () => {
    const error = await refusal(Buffer.from('hello, I am a text file\n'), 'notes/room.jpg');
    expect(error.code).toBe('unsupported_image');
    expect(error.status).toBe(415);
    expect(error.message).toContain('notes/room.jpg');
  });

  test('an empty file is refused, naming the file', async () => {
    const error = await refusal(Buffer.alloc(0), 'empty.png');
    expect(error.code).toBe('empty_file');
    expect(error.message).toContain('empty.png');
  });

  test('a truncated JPEG is caught without decoding', async () => {
    const jpeg = await makeJpeg({ width: 200, height: 200 });
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.7));
    expect(findTruncation(jpeg, 'jpeg')).toBeUndefined();
    expect(findTruncation(cut, 'jpeg')).toMatch(/end-of-image/);
    const error = await refusal(cut, 'cut.jpg');
    expect(error.code).toBe('corrupt_image');
    expect(error.message).toContain('cut.jpg');
  });

  test('a truncated PNG and WebP are caught', async () => {
    const png = await makePng(64, 64);
    expect(findTruncation(png, 'png')).toBeUndefined();
    expect(findTruncation(png.subarray(0, png.length - 12), 'png')).toMatch(/IEND/);
    const webp = await makeWebp(64, 64);
    expect(findTruncation(webp, 'webp')).toBeUndefined();
    expect(findTruncation(webp.subarray(0, webp.length - 10), 'webp')).toMatch(/declares/);
  });

  test('a 30000x30000 PNG is refused from its header (decompression bomb)', async () => {
    const bomb = makeHugePng(30000, 30000);
    expect(bomb.length).toBeLessThan(1_000_000);
    const error = await refusal(bomb, 'bomb.png');
    expect(error.code).toBe('image_too_large');
    expect(error.status).toBe(413);
    expect(error.message).toContain('bomb.png');
    expect(error.message).toContain('30000x30000');
  });
});

describe('preparing an image for a provider', () => {
  test('EXIF orientation 6 comes out upright: width and height swapped, orientation gone', async () => {
    const jpeg = await makeJpeg({ width: 64, height: 32, orientation: 6 });
    const inspected = await inspectImage(jpeg, 'sideways.jpg', MAX_PIXELS);
    expect(inspected.orientation).toBe(6);
    const prepared = await prepareForProvider(inspected, 4096, MAX_PIXELS);
    const meta = await sharp(prepared.data).metadata();
    expect([meta.width, meta.height]).toEqual([32, 64]);
    expect(meta.orientation ?? 1).toBe(1);
    expect(prepared.reencoded).toBe(true);
  });

  test('GPS and camera metadata never reach the provider, and pixels are not re-encoded', async () => {
    const jpeg = await makeJpeg({ gps: true });
    expect(exifHasGps((await sharp(jpeg).metadata()).exif)).toBe(true);
    const prepared = await prepareForProvider(await inspectImage(jpeg, 'gps.jpg', MAX_PIXELS), 4096, MAX_PIXELS);
    expect(prepared.reencoded).toBe(false);
    expect((await sharp(prepared.data).metadata()).exif).toBeUndefined();
    expect(prepared.data.includes(Buffer.from('SN-0042-SECRET'))).toBe(false);
    // Lossless: the decoded pixels are identical.
    const [before, after] = await Promise.all([sharp(jpeg).raw().toBuffer(), sharp(prepared.data).raw().toBuffer()]);
    expect(after.equals(before)).toBe(true);
  });

  test('a rotated image with GPS loses the GPS too', async () => {
    const jpeg = await makeJpeg({ gps: true, orientation: 6 });
    const prepared = await prepareForProvider(await inspectImage(jpeg, 'gps6.jpg', MAX_PIXELS), 4096, MAX_PIXELS);
    expect((await sharp(prepared.data).metadata()).exif).toBeUndefined();
  });

  test('large images are scaled down to the provider limit, keeping the aspect ratio', async () => {
    const jpeg = await makeJpeg({ width: 1000, height: 500 });
    const prepared = await prepareForProvider(await inspectImage(jpeg, 'big.jpg', MAX_PIXELS), 400, MAX_PIXELS);
    expect([prepared.width, prepared.height]).toEqual([400, 200]);
    const meta = await sharp(prepared.data).metadata();
    expect([meta.width, meta.height]).toEqual([400, 200]);
  });

  test('formats providers do not take are converted (GIF to PNG, AVIF to JPEG)', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } }).gif().toBuffer();
    const fromGif = await prepareForProvider(await inspectImage(gif, 'a.gif', MAX_PIXELS), 4096, MAX_PIXELS);
    expect(fromGif.mimeType).toBe('image/png');
    expect(sniffFormat(fromGif.data)).toBe('png');
    const avif = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#123' } }).avif().toBuffer();
    const fromAvif = await prepareForProvider(await inspectImage(avif, 'a.avif', MAX_PIXELS), 4096, MAX_PIXELS);
    expect(fromAvif.mimeType).toBe('image/jpeg');
  });
});

describe('stripping metadata without re-encoding', () => {
  test('PNG eXIf goes; the pixels decode the same', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f0f' } })
      .png()
      .withExif({ IFD0: { Make: 'PngCam' } })
      .toBuffer();
    expect(png.includes(Buffer.from('PngCam'))).toBe(true);
    const stripped = stripMetadata(png, 'png');
    expect(stripped.includes(Buffer.from('PngCam'))).toBe(false);
    expect(stripped.includes(Buffer.from('IDAT'))).toBe(true);
    expect(findTruncation(stripped, 'png')).toBeUndefined();
    const [a, b] = await Promise.all([sharp(png).raw().toBuffer(), sharp(stripped).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });

  test('PNG tEXt, zTXt and iTXt chunks go wherever they sit; every other chunk stays byte for byte, in order', async () => {
    const plain = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0f0' } }).png().toBuffer();
    const texts = [
      pngChunk('tEXt', Buffer.from('Comment\0TEXT-SECRET-1', 'latin1')),
      pngChunk('zTXt', Buffer.concat([Buffer.from('Author\0\0', 'latin1'), deflateSync('ZTXT-SECRET-2')])),
      pngChunk('iTXt', Buffer.from('GPS\0\0\0en\0GPS\0ITXT-SECRET-3', 'utf8')),
    ];
    // One of each after IHDR, and a tEXt again just before IEND.
    const chunks = pngChunks(plain);
    const withText = Buffer.concat([plain.subarray(0, 8), chunks[0]!, ...texts, ...chunks.slice(1, -1), texts[0]!, chunks.at(-1)!]);
    expect((await sharp(withText).metadata()).width).toBe(8);

    const stripped = stripMetadata(withText, 'png');
    for (const secret of ['TEXT-SECRET-1', 'ITXT-SECRET-3', 'tEXt', 'zTXt', 'iTXt']) expect(stripped.includes(Buffer.from(secret))).toBe(false);
    expect(stripped.equals(plain)).toBe(true);
  });

  test('WebP EXIF chunk goes and the RIFF size and VP8X flags stay consistent', async () => {
    const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0ff' } })
      .webp({ lossless: true })
      .withExif({ IFD0: { Make: 'WebpCam' } })
      .toBuffer();
    expect(webp.includes(Buffer.from('WebpCam'))).toBe(true);
    const stripped = stripMetadata(webp, 'webp');
    expect(stripped.includes(Buffer.from('WebpCam'))).toBe(false);
    expect(stripped.readUInt32LE(4) + 8).toBe(stripped.length);
    const meta = await sharp(stripped).metadata();
    expect(meta.exif).toBeUndefined();
    const [a, b] = await Promise.all([sharp(webp).raw().toBuffer(), sharp(stripped).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });

  test('an image without metadata is returned as is', async () => {
    const png = await makePng();
    expect(stripMetadata(png, 'png')).toBe(png);
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } }).jpeg().toBuffer();
    expect(stripMetadata(jpeg, 'jpeg')).toBe(jpeg);
    const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } }).webp().toBuffer();
    expect(stripMetadata(webp, 'webp')).toBe(webp);
  });

  /** A JPEG marker segment: FF, marker, a length counting itself, the payload. */
  function segment(marker: number, payload: Buffer | string): Buffer {
    const data = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(data.length + 2, 2);
    return Buffer.concat([head, data]);
  }

  test('JPEG: EXIF, XMP, IPTC, comments and other APP segments go; JFIF, ICC profiles, Adobe and the tables stay, and the scan is copied', async () => {
    const plain = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#8a4' } }).jpeg().toBuffer();
    const icc = segment(0xe2, Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), Buffer.alloc(16, 3)]));
    const adobe = segment(0xee, Buffer.from([0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, 1]));
    const metadata = [
      segment(0xe1, 'Exif\0\0EXIF-GPS-SECRET'),
      segment(0xe1, 'http://ns.adobe.com/xap/1.0/\0XMP-SECRET'),
      segment(0xe2, 'FPXR\0FPXR-SECRET'),
      segment(0xed, 'Photoshop 3.0\0IPTC-SECRET'),
      segment(0xef, 'APP15-SECRET'),
      segment(0xfe, 'COMMENT-SECRET'),
    ];
    // After SOI: the metadata interleaved with the kept segments, and fill bytes (FF FF) before one marker.
    const body = plain.subarray(2);
    const dirty = Buffer.concat([plain.subarray(0, 2), metadata[0]!, icc, metadata[1]!, Buffer.from([0xff, 0xff]), metadata[2]!, adobe, ...metadata.slice(3), body]);
    expect((await sharp(dirty).metadata()).width).toBe(16);

    const stripped = stripMetadata(dirty, 'jpeg');
    for (const secret of ['EXIF-GPS-SECRET', 'XMP-SECRET', 'FPXR-SECRET', 'IPTC-SECRET', 'APP15-SECRET', 'COMMENT-SECRET']) {
      expect(stripped.includes(Buffer.from(secret)), secret).toBe(false);
    }
    expect(stripped.equals(Buffer.concat([plain.subarray(0, 2), icc, adobe, body]))).toBe(true);
    const [a, b] = await Promise.all([sharp(dirty).raw().toBuffer(), sharp(stripped).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });

  test('JPEG: what follows the start of the scan is copied as is, even bytes that look like a segment', () => {
    const scan = Buffer.concat([segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])), Buffer.from([0x12, 0xff, 0x00]), segment(0xe1, 'NOT-A-SEGMENT'), Buffer.from([0xff, 0xd9])]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), segment(0xfe, 'COMMENT-SECRET'), segment(0xdb, Buffer.alloc(65, 1)), scan]);
    expect(stripMetadata(jpeg, 'jpeg').equals(Buffer.concat([Buffer.from([0xff, 0xd8]), segment(0xdb, Buffer.alloc(65, 1)), scan]))).toBe(true);
  });

  test('JPEG: JFIF (APP0) and markers past APP15 (JPEG-LS F7/F8, which decoding needs) stay; only APP2 can carry a kept ICC profile', async () => {
    const plain = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#8a4' } }).jpeg().toBuffer();
    const jfif = segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 0, 0, 1, 0, 1, 0, 0]));
    const jpegLs = segment(0xf7, Buffer.from([8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
    const lse = segment(0xf8, Buffer.from([1, 0, 255, 0, 3, 0, 7, 0, 21, 0, 64]));
    // An APP1 (or any APPn but APP2) that starts like an ICC profile is not one: it goes like any other APP segment.
    const fakeIcc = segment(0xe1, Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), Buffer.from('APP1-SECRET')]));
    const fakeIcc15 = segment(0xef, Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), Buffer.from('APP15-SECRET')]));
    const body = plain.subarray(2);
    const dirty = Buffer.concat([plain.subarray(0, 2), jfif, fakeIcc, jpegLs, fakeIcc15, lse, body]);
    const stripped = stripMetadata(dirty, 'jpeg');
    expect(stripped.includes(Buffer.from('SECRET'))).toBe(false);
    expect(stripped.equals(Buffer.concat([plain.subarray(0, 2), jfif, jpegLs, lse, body]))).toBe(true);
  });

  test('JPEG: bytes that are not a marker where one should be are kept, not skipped (only metadata segments are ever removed)', () => {
    const soi = Buffer.from([0xff, 0xd8]);
    const tables = segment(0xdb, Buffer.alloc(65, 1));
    const scan = Buffer.concat([segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])), Buffer.from([0x12, 0x34, 0xff, 0xd9])]);
    const jpeg = Buffer.concat([soi, segment(0xfe, 'COMMENT-SECRET'), Buffer.from([0x00]), tables, scan]);
    expect(stripMetadata(jpeg, 'jpeg').equals(Buffer.concat([soi, Buffer.from([0x00]), tables, scan]))).toBe(true);
  });

  test('JPEG: the compressed data is not walked as segments even when it starts with bytes that look like one', () => {
    const soi = Buffer.from([0xff, 0xd8]);
    const tables = segment(0xdb, Buffer.alloc(65, 1));
    // Right after the scan header: bytes shaped like an APP1 and a comment, which are image data here.
    const scan = Buffer.concat([segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])), segment(0xe1, 'SCAN-DATA-1'), segment(0xfe, 'SCAN-DATA-2'), Buffer.from([0xff, 0xd9])]);
    const jpeg = Buffer.concat([soi, segment(0xfe, 'COMMENT-SECRET'), tables, scan]);
    expect(stripMetadata(jpeg, 'jpeg').equals(Buffer.concat([soi, tables, scan]))).toBe(true);
  });

  test('JPEG cut short inside a metadata segment: what arrived of it goes once its header is complete, a partial header is copied, nothing throws', () => {
    const soi = Buffer.from([0xff, 0xd8]);
    const tables = segment(0xdb, Buffer.alloc(65, 1));
    const exif = segment(0xe1, 'Exif\0\0GPS-SECRET');
    const whole = Buffer.concat([soi, segment(0xfe, 'COMMENT-SECRET'), tables, exif]);
    const start = whole.length - exif.length;
    for (let cut = start; cut <= whole.length; cut++) {
      const partialHeader = cut - start < 4 ? whole.subarray(start, cut) : Buffer.alloc(0);
      expect(stripMetadata(whole.subarray(0, cut), 'jpeg').equals(Buffer.concat([soi, tables, partialHeader])), `cut at ${cut}`).toBe(true);
    }
  });

  test('PNG: nothing after IEND is kept (appended chunks, another file), and a PNG cut short is stripped without throwing', async () => {
    const plain = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0f0' } }).png().toBuffer();
    const chunks = pngChunks(plain);
    const text = pngChunk('tEXt', Buffer.from('Comment\0TEXT-SECRET', 'latin1'));
    const withText = Buffer.concat([plain.subarray(0, 8), chunks[0]!, text, ...chunks.slice(1)]);
    const appended = Buffer.concat([withText, pngChunk('IDAT', Buffer.from('AFTER-IEND-SECRET')), pngChunk('IEND', Buffer.alloc(0))]);
    expect(stripMetadata(appended, 'png').equals(plain)).toBe(true);
    // Cut anywhere inside IEND: the chunks before it are kept whole, the incomplete IEND is not copied.
    const beforeIend = plain.subarray(0, plain.length - 12);
    for (let missing = 1; missing <= 12; missing++) {
      const stripped = stripMetadata(withText.subarray(0, withText.length - missing), 'png');
      expect(stripped.equals(beforeIend), `${missing} bytes missing`).toBe(true);
    }
  });

  test('a format it cannot strip without decoding is a programming error, named', () => {
    expect(() => stripMetadata(Buffer.from('GIF89a'), 'gif')).toThrow('stripMetadata: gif is not stripped losslessly');
  });

  /** A RIFF chunk of a WebP: fourcc, little-endian size, data, a pad byte when the size is odd. */
  function riffChunk(type: string, data: Buffer): Buffer {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32LE(data.length, 4);
    return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  }

  /** An 8x8 VP8X chunk announcing `flags` (ICC 0x20, EXIF 0x08, XMP 0x04). */
  function vp8x(flags: number): Buffer {
    const data = Buffer.alloc(10);
    data[0] = flags;
    data.writeUIntLE(7, 4, 3); // canvas width - 1
    data.writeUIntLE(7, 7, 3); // canvas height - 1
    return riffChunk('VP8X', data);
  }

  /** A WebP file of these chunks: RIFF, its size, WEBP. */
  function riff(chunks: Buffer[]): Buffer {
    const body = Buffer.concat(chunks);
    const header = Buffer.alloc(12);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(body.length + 4, 4);
    header.write('WEBP', 8, 'latin1');
    return Buffer.concat([header, body]);
  }

  test('WebP: EXIF and XMP chunks go, odd-sized ones too, and VP8X stops announcing them; the image chunks stay byte for byte', async () => {
    const plain = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0ff' } }).webp({ lossless: true }).toBuffer();
    const image = plain.subarray(12);
    const ICC = 0x20;
    const EXIF = 0x08;
    const XMP = 0x04;
    const iccp = riffChunk('ICCP', Buffer.alloc(7, 9)); // odd: padded, so the chunks after it are found only if the pad is skipped
    const dirty = riff([vp8x(ICC | EXIF | XMP), iccp, image, riffChunk('EXIF', Buffer.from('Exif\0\0WEBP-EXIF-SECRET')), riffChunk('XMP ', Buffer.from('WEBP-XMP-SECRET'))]);
    const stripped = stripMetadata(dirty, 'webp');
    expect(stripped.equals(riff([vp8x(ICC), iccp, image]))).toBe(true);
    const [a, b] = await Promise.all([sharp(plain).raw().toBuffer(), sharp(stripped).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });

  test('WebP: an empty EXIF chunk as the very last bytes goes too, and VP8X stops announcing it', async () => {
    const plain = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0ff' } }).webp({ lossless: true }).toBuffer();
    const dirty = riff([vp8x(0x08), plain.subarray(12), riffChunk('EXIF', Buffer.alloc(0))]);
    expect(stripMetadata(dirty, 'webp').equals(riff([vp8x(0), plain.subarray(12)]))).toBe(true);
  });
});

describe('encoding the output', () => {
  test('converts to the requested format and keeps no metadata', async () => {
    const png = await makePng(16, 16);
    const out = await encodeOutput(png, 'jpeg', 'mock');
    expect(out.mimeType).toBe('image/jpeg');
    expect(sniffFormat(out.data)).toBe('jpeg');
    const same = await encodeOutput(await makeJpeg({ gps: true }), 'jpeg', 'mock');
    expect((await sharp(same.data).metadata()).exif).toBeUndefined();
  });

  test('a provider answer that is not an image is a provider error', async () => {
    await expect(encodeOutput(Buffer.from('<html>oops</html>'), 'png', 'fal:x/y')).rejects.toMatchObject({ code: 'provider_error' });
  });
});
