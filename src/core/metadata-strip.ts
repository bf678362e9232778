/**
 * Removes metadata (EXIF with GPS and camera serials, XMP, IPTC, comments,
 * text chunks) from JPEG, PNG and WebP without decoding: only container
 * segments are dropped, the compressed pixel data is copied byte for byte.
 * Re-encoding would cost quality on every pass and dominate the CPU time of an
 * edit, so this is the path for images that need no other change.
 *
 * What is kept: what decoding needs (JFIF, Adobe colour transform, ICC
 * profiles, PNG palette/transparency/colour chunks). Anything not known to be
 * needed is dropped: an unknown ancillary chunk may carry metadata.
 */
import type { ImageFormat } from './image-format.js';

export function stripMetadata(bytes: Buffer, format: ImageFormat): Buffer {
  switch (format) {
    case 'jpeg':
      return stripJpeg(bytes);
    case 'png':
      return stripPng(bytes);
    case 'webp':
      return stripWebp(bytes);
    default:
      throw new Error(`stripMetadata: ${format} is not stripped losslessly`);
  }
}

const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;
const SOS = 0xda;

function stripJpeg(bytes: Buffer): Buffer {
  const kept = jpegKeptSegments(bytes);
  if (!kept) return bytes;
  return Buffer.concat([...kept.segments, bytes.subarray(kept.rest)]);
}

/**
 * What stripping keeps of a JPEG's header: the segments before the first scan
 * that stay (views of `bytes`) and the offset from which everything is kept as
 * it is (the first scan on); undefined when nothing would be dropped. Only the
 * header is read, so `bytes` may be just the file's leading bytes through its
 * first SOS segment (jpeg-pieces.ts).
 */
export function jpegKeptSegments(bytes: Buffer): { segments: Buffer[]; rest: number } | undefined {
  const segments: Buffer[] = [bytes.subarray(0, 2)];
  let i = 2;
  let dropped = false;
  while (i + 4 <= bytes.length) {
    const marker = bytes[i + 1]!;
    if (bytes[i] !== 0xff) break;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = bytes.readUInt16BE(i + 2);
    const end = i + 2 + length;
    if (marker === SOS) break; // from here on: scan data and trailer, copied as is
    const isApp = marker >= APP0 && marker <= 0xef;
    const keep =
      !(isApp || marker === COM) ||
      marker === APP0 ||
      marker === APP14 ||
      (marker === APP2 && bytes.toString('latin1', i + 4, i + 16) === 'ICC_PROFILE\0');
    if (keep) segments.push(bytes.subarray(i, end));
    else dropped = true;
    i = end;
  }
  return dropped ? { segments, rest: i } : undefined;
}

/** Chunks a decoder may need. Everything else (eXIf, tEXt, zTXt, iTXt, tIME, private chunks) goes. */
const PNG_KEEP = new Set([
  'IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'cHRM', 'gAMA', 'iCCP', 'sBIT', 'sRGB', 'cICP', 'mDCV', 'cLLI',
  'bKGD', 'hIST', 'pHYs', 'sPLT', 'acTL', 'fcTL', 'fdAT',
]);

function stripPng(bytes: Buffer): Buffer {
  const kept: Buffer[] = [bytes.subarray(0, 8)];
  let i = 8;
  let dropped = false;
  while (i + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(i);
    const type = bytes.toString('latin1', i + 4, i + 8);
    const end = i + 12 + length;
    if (PNG_KEEP.has(type)) kept.push(bytes.subarray(i, end));
    else dropped = true;
    i = end;
    if (type === 'IEND') break;
  }
  return dropped ? Buffer.concat(kept) : bytes;
}

const VP8X_EXIF_FLAG = 0x08;
const VP8X_XMP_FLAG = 0x04;

function stripWebp(bytes: Buffer): Buffer {
  const kept: Buffer[] = [];
  let i = 12;
  let dropped = false;
  while (i + 8 <= bytes.length) {
    const type = bytes.toString('latin1', i, i + 4);
    const size = bytes.readUInt32LE(i + 4);
    const end = Math.min(bytes.length, i + 8 + size + (size % 2));
    if (type === 'EXIF' || type === 'XMP ') {
      dropped = true;
    } else if (type === 'VP8X') {
      const chunk = Buffer.from(bytes.subarray(i, end));
      chunk[8] = chunk[8]! & ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG);
      kept.push(chunk);
    } else {
      kept.push(bytes.subarray(i, end));
    }
    i = end;
  }
  if (!dropped) return bytes;
  const body = Buffer.concat(kept);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}
