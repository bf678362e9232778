/**
 * Puts an XMP packet into a JPEG, PNG or WebP without decoding it: a container
 * segment is added, the compressed pixels are copied byte for byte (like
 * metadata-strip.ts, which has run before this, so the packet added here is
 * the only metadata the file carries besides what decoding needs).
 *
 * Where each format keeps XMP (Adobe XMP Specification Part 3, "Storage in files"):
 * - JPEG: an APP1 segment starting `http://ns.adobe.com/xap/1.0/\0`, after JFIF;
 * - PNG: an iTXt chunk with keyword `XML:com.adobe.xmp`, uncompressed, before IDAT;
 * - WebP: an `XMP ` chunk, flagged in VP8X (Google's WebP container spec,
 *   https://developers.google.com/speed/webp/docs/riff_container); a simple
 *   (VP8/VP8L-only) file gets a VP8X header first.
 */
import { headOf, joinPieces, piecesFrom } from '../image-pieces.js';
import type { OutputFormat } from '../images.js';

export function embedXmp(bytes: Buffer, format: OutputFormat, packet: string): Buffer {
  return Buffer.concat(embedXmpParts(bytes, format, packet));
}

/**
 * The file with the packet added, as pieces in order: views of `bytes` around
 * the new segment (for JPEG and PNG: head, segment, the rest). Written out
 * one after another they are the file, without copying the image into a new
 * buffer first (a server answers with them as they are; issue 15).
 */
export function embedXmpParts(bytes: Buffer, format: OutputFormat, packet: string): Buffer[] {
  const xmp = Buffer.from(packet, 'utf8');
  switch (format) {
    case 'jpeg':
      return embedJpeg(bytes, xmp);
    case 'png':
      return embedPng(bytes, xmp);
    case 'webp':
      return embedWebp(bytes, xmp);
  }
}

/**
 * embedXmpParts of a file held in pieces (an upload the mock answered): for a
 * JPEG, the leading bytes up to the new segment, the segment, and the pieces
 * from there on as they are; other formats are joined first.
 */
export function embedXmpPieces(pieces: readonly Buffer[], format: OutputFormat, packet: string): Buffer[] {
  if (format !== 'jpeg') return embedXmpParts(joinPieces(pieces), format, packet);
  const at = jpegXmpOffset(headOf(pieces, 6));
  return [headOf(pieces, at).subarray(0, at), jpegXmpSegmentOf(packet), ...piecesFrom(pieces, at)];
}

const JPEG_XMP_NAMESPACE = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
/** A segment's length field counts itself (2) and must fit 16 bits. */
const JPEG_SEGMENT_MAX = 0xffff - 2;

function embedJpeg(bytes: Buffer, xmp: Buffer): Buffer[] {
  const segment = jpegXmpSegment(xmp);
  const at = jpegXmpOffset(bytes);
  return [bytes.subarray(0, at), segment, bytes.subarray(at)];
}

/** The last packet's segment: a server writes the same disclosure into every answer (read-only, shared between them). */
let lastSegment: { packet: string; segment: Buffer } | undefined;

function jpegXmpSegmentOf(packet: string): Buffer {
  if (lastSegment?.packet !== packet) lastSegment = { packet, segment: jpegXmpSegment(Buffer.from(packet, 'utf8')) };
  return lastSegment.segment;
}

function jpegXmpSegment(xmp: Buffer): Buffer {
  const length = JPEG_XMP_NAMESPACE.length + xmp.length;
  if (length > JPEG_SEGMENT_MAX) throw new Error('XMP packet too large for one JPEG segment');
  const segment = Buffer.concat([Buffer.from([0xff, 0xe1, 0, 0]), JPEG_XMP_NAMESPACE, xmp]);
  segment.writeUInt16BE(length + 2, 2);
  return segment;
}

/** Where the XMP segment goes: JFIF (APP0) must stay the first segment, so right after it, else right after SOI. `bytes`: the file's first 6 bytes at least. */
function jpegXmpOffset(bytes: Buffer): number {
  return bytes[2] === 0xff && bytes[3] === 0xe0 ? 4 + bytes.readUInt16BE(4) : 2;
}

function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function embedPng(bytes: Buffer, xmp: Buffer): Buffer[] {
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, text.
  const data = Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), xmp]);
  const typeAndData = Buffer.concat([Buffer.from('iTXt', 'latin1'), data]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  // Right after IHDR (8-byte signature, then IHDR: 4 length + 4 type + 13 data + 4 crc).
  const at = 8 + 12 + bytes.readUInt32BE(8);
  return [bytes.subarray(0, at), chunk, bytes.subarray(at)];
}

const VP8X_XMP_FLAG = 0x04;
const VP8X_ALPHA_FLAG = 0x10;

function riffChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat(data.length % 2 ? [head, data, Buffer.alloc(1)] : [head, data]);
}

/** Canvas size and alpha of a simple WebP, from its VP8 or VP8L bitstream header. */
function simpleWebpInfo(type: string, data: Buffer): { width: number; height: number; alpha: boolean } {
  if (type === 'VP8L') {
    // 0x2f signature, then 14 bits width-1, 14 bits height-1, 1 bit alpha_is_used.
    const bits = data.readUInt32LE(1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: Boolean((bits >>> 28) & 1) };
  }
  // VP8 key frame: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
  return { width: data.readUInt16LE(6) & 0x3fff, height: data.readUInt16LE(8) & 0x3fff, alpha: false };
}

function embedWebp(bytes: Buffer, xmp: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let i = 12;
  let first = true;
  while (i + 8 <= bytes.length) {
    const type = bytes.toString('latin1', i, i + 4);
    const size = bytes.readUInt32LE(i + 4);
    const end = Math.min(bytes.length, i + 8 + size + (size % 2));
    if (first && type === 'VP8X') {
      const vp8x = Buffer.from(bytes.subarray(i, end));
      vp8x[8] = vp8x[8]! | VP8X_XMP_FLAG;
      chunks.push(vp8x);
    } else {
      if (first) {
        const info = simpleWebpInfo(type, bytes.subarray(i + 8, i + 8 + size));
        const vp8x = Buffer.alloc(10);
        vp8x[0] = VP8X_XMP_FLAG | (info.alpha ? VP8X_ALPHA_FLAG : 0);
        vp8x.writeUIntLE(info.width - 1, 4, 3);
        vp8x.writeUIntLE(info.height - 1, 7, 3);
        chunks.push(riffChunk('VP8X', vp8x));
      }
      chunks.push(bytes.subarray(i, end));
    }
    first = false;
    i = end;
  }
  // XMP comes last, after the image data (and any EXIF), as the container spec orders it.
  chunks.push(riffChunk('XMP ', xmp));
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(chunks.reduce((sum, c) => sum + c.length, 0) + 4, 4);
  header.write('WEBP', 8, 'latin1');
  return [header, ...chunks];
}
