/**
 * Recognizes an image by its bytes (never by its name or declared type) and
 * catches truncated files without decoding them, where the format allows:
 * a JPEG's scan ends with EOI, a PNG ends with IEND, a WebP's RIFF size
 * matches the file.
 */

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'heic' | 'tiff';

export const MIME_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  heic: 'image/heic',
  tiff: 'image/tiff',
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, Math.min(end, bytes.length) - start)).toString('latin1');
}

/** The format the bytes are in, or undefined when they are no image we read. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.equals(bytes.subarray(0, 8))) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  const head6 = ascii(bytes, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return 'gif';
  const head4 = ascii(bytes, 0, 4);
  if (head4 === 'II*\0' || head4 === 'MM\0*') return 'tiff';
  // ISO BMFF: [size]['ftyp'][major brand][minor][compatible brands...]
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp') {
    const boxSize = Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0);
    const brands = ascii(bytes, 8, Math.min(Math.max(boxSize, 12), 64));
    if (/avif|avis/.test(brands)) return 'avif';
    if (/heic|heix|hevc|hevx|heim|heis|mif1|msf1/.test(brands)) return 'heic';
  }
  return undefined;
}

/** Why the file looks cut short, or undefined when it looks whole (or the format has no cheap check). */
export function findTruncation(bytes: Uint8Array, format: ImageFormat): string | undefined {
  switch (format) {
    case 'jpeg':
      return jpegTruncation(bytes);
    case 'png':
      return pngTruncation(bytes);
    case 'webp':
      return webpTruncation(bytes);
    default:
      return undefined;
  }
}

function jpegTruncation(bytes: Uint8Array): string | undefined {
  const scanStart = jpegScanStart(bytes);
  if (typeof scanStart === 'string') return scanStart;
  return jpegEndsAfter(bytes, scanStart, 0) ? undefined : 'it ends before its end-of-image marker';
}

/**
 * Where a JPEG's first scan's data starts (just after its SOS segment), from
 * walking its marker segments; or why the header is broken or cut short.
 */
export function jpegScanStart(bytes: Uint8Array): number | string {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return 'its marker structure is broken';
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd9) return 'it ends before any image data';
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (marker === 0xda) return i + 2 + length;
    i += 2 + length;
  }
  return 'it ends inside its headers';
}

/**
 * Whether `bytes` (the end of a JPEG, starting at offset `at` of the file) hold
 * an end-of-image marker at or after the file's offset `scanStart`. Entropy-coded
 * data cannot contain FF D9 (an FF in it is stuffed as FF 00), so the last EOI
 * must come after the scan's start.
 */
export function jpegEndsAfter(bytes: Uint8Array, scanStart: number, at: number): boolean {
  for (let j = bytes.length - 2; j >= Math.max(0, scanStart - at); j--) {
    if (bytes[j] === 0xff && bytes[j + 1] === 0xd9) return true;
  }
  return false;
}

function pngTruncation(bytes: Uint8Array): string | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let i = 8;
  while (i + 12 <= view.length) {
    const length = view.readUInt32BE(i);
    const type = view.toString('latin1', i + 4, i + 8);
    const next = i + 12 + length;
    if (next > view.length) return `its ${type} chunk is cut short`;
    if (type === 'IEND') return undefined;
    i = next;
  }
  return 'it has no IEND chunk';
}

function webpTruncation(bytes: Uint8Array): string | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const declared = view.readUInt32LE(4) + 8;
  // RIFF pads odd-sized payloads; allow the one padding byte either way.
  if (view.length < declared - 1) return `it is ${view.length} bytes but declares ${declared}`;
  return undefined;
}
