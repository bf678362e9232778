/**
 * Test images made on the fly with sharp, so the repo holds no opaque fixtures
 * and each test states what its image is.
 */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

export interface JpegOptions {
  width?: number;
  height?: number;
  orientation?: number;
  gps?: boolean;
  color?: string;
  /** Gaussian noise instead of a flat colour: a re-encode of noise never reproduces the same bytes. */
  noise?: boolean;
}

/** A JPEG, optionally with EXIF orientation and a GPS position plus camera make/model. */
export async function makeJpeg(options: JpegOptions = {}): Promise<Buffer> {
  const { width = 64, height = 32, orientation, gps, color = '#c84', noise } = options;
  const create = { width, height, channels: 3 as const, background: color, ...(noise ? { noise: { type: 'gaussian' as const, mean: 128, sigma: 40 } } : {}) };
  let pipeline = sharp({ create }).jpeg({ quality: 90 });
  if (gps) {
    pipeline = pipeline.withExif({
      IFD0: { Make: 'FrameForgeTestCam', Model: 'SN-0042-SECRET' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' },
    });
  }
  if (orientation) pipeline = pipeline.withMetadata({ orientation });
  return pipeline.toBuffer();
}

export async function makePng(width = 32, height = 32, alpha = false): Promise<Buffer> {
  return sharp({ create: { width, height, channels: alpha ? 4 : 3, background: { r: 20, g: 120, b: 200, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

export async function makeWebp(width = 32, height = 32): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3a6' } }).webp().toBuffer();
}

/** True when an EXIF block holds a GPS IFD pointer (tag 0x8825), in either byte order. */
export function exifHasGps(exif: Buffer | undefined): boolean {
  if (!exif) return false;
  return exif.includes(Buffer.from([0x25, 0x88])) || exif.includes(Buffer.from([0x88, 0x25]));
}

function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid, tiny (about 100 KB) PNG that decodes to width x height 1-bit pixels:
 * a decompression bomb when large. Built by hand because no encoder should be
 * asked to allocate it.
 */
export function makeHugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const row = Buffer.alloc(1 + Math.ceil(width / 8)); // filter byte + zero pixels
  const rowsPerBlock = 1000;
  const block = Buffer.concat(Array.from({ length: rowsPerBlock }, () => row));
  // Deflate one block of rows and repeat the raw data logically: simplest is deflating all at once in pieces.
  const parts: Buffer[] = [];
  for (let y = 0; y < height; y += rowsPerBlock) parts.push(block.subarray(0, row.length * Math.min(rowsPerBlock, height - y)));
  const idat = deflateSync(Buffer.concat(parts), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
