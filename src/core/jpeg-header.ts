/**
 * The size of an upright JPEG, read from its marker segments: what
 * inspectImage needs to know, without asking libvips (sharp's metadata()
 * cost more CPU than anything else an edit of an upright JPEG did beyond a
 * bare server: issue 15).
 *
 * It answers only for a header it checks in full and libjpeg would read
 * without an error or a warning (sharp fails on warnings): one baseline,
 * extended or progressive 8-bit frame of 1 or 3 components with sane
 * sampling factors and tables, every table and segment length consistent,
 * the scan referring to defined tables, no EXIF orientation other than 1.
 * Anything else, or anything it does not recognise, gives undefined and sharp
 * reads the header as before, with its errors: this path never accepts a
 * file sharp would refuse, it only skips the call for files sharp reads.
 * The checks follow libjpeg's jdmarker.c/jdinput.c (get_sof, get_sos,
 * get_dqt, get_dht, examine_app0/app14, initial_setup).
 */

export interface JpegSize {
  readonly width: number;
  readonly height: number;
}

const SOF0 = 0xc0; // baseline
const SOF1 = 0xc1; // extended sequential
const SOF2 = 0xc2; // progressive
const DHT = 0xc4;
const SOS = 0xda;
const DQT = 0xdb;
const DRI = 0xdd;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const APP15 = 0xef;
const COM = 0xfe;
/** libjpeg's JPEG_MAX_DIMENSION. */
const MAX_DIMENSION = 65500;
const ORIENTATION_TAG = 0x0112;

interface Frame {
  readonly progressive: boolean;
  readonly width: number;
  readonly height: number;
  /** Component id -> its quantisation table. */
  readonly components: Map<number, number>;
}

function ascii(bytes: Uint8Array, start: number, text: string): boolean {
  if (start + text.length > bytes.length) return false;
  for (let k = 0; k < text.length; k++) if (bytes[start + k] !== text.charCodeAt(k)) return false;
  return true;
}

/** The frame of a SOF segment (`p` at its first data byte), if libjpeg takes it. */
function readFrame(bytes: Uint8Array, p: number, length: number, marker: number): Frame | undefined {
  const count = bytes[p + 5]!;
  if (length !== 8 + 3 * count || bytes[p] !== 8) return undefined;
  const height = (bytes[p + 1]! << 8) | bytes[p + 2]!;
  const width = (bytes[p + 3]! << 8) | bytes[p + 4]!;
  if (width === 0 || height === 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) return undefined;
  if (count !== 1 && count !== 3) return undefined;
  const components = new Map<number, number>();
  for (let c = 0, q = p + 6; c < count; c++, q += 3) {
    const id = bytes[q]!;
    const h = bytes[q + 1]! >> 4;
    const v = bytes[q + 1]! & 15;
    const table = bytes[q + 2]!;
    if (components.has(id) || h < 1 || h > 4 || v < 1 || v > 4 || table > 3) return undefined;
    components.set(id, table);
  }
  return { progressive: marker === SOF2, width, height, components };
}

/** The bit mask of tables a DQT segment defines, or -1 when libjpeg would call it bogus. */
function quantTables(bytes: Uint8Array, p: number, end: number): number {
  let defined = 0;
  while (p < end) {
    const precision = bytes[p]! >> 4;
    const table = bytes[p]! & 15;
    if (precision > 1 || table > 3) return -1;
    p += 1 + 64 * (precision + 1);
    defined |= 1 << table;
  }
  return p === end ? defined : -1;
}

/** The bit mask of Huffman tables a DHT segment defines (DC 0-3, AC 4-7), or -1 when bogus. */
function huffmanTables(bytes: Uint8Array, p: number, end: number): number {
  let defined = 0;
  while (p < end) {
    if (p + 17 > end) return -1;
    const cls = bytes[p]! >> 4;
    const table = bytes[p]! & 15;
    if (cls > 1 || table > 3) return -1;
    let symbols = 0;
    for (let k = 1; k <= 16; k++) symbols += bytes[p + k]!;
    if (symbols > 256) return -1;
    p += 17 + symbols;
    defined |= 1 << (cls * 4 + table);
  }
  return p === end ? defined : -1;
}

/**
 * The orientation in an EXIF block (TIFF data from `p` to `end`): 1 when it
 * has none, undefined when the block is not plainly readable.
 */
function exifOrientation(bytes: Uint8Array, p: number, end: number): number | undefined {
  if (end - p < 8) return undefined;
  const little = bytes[p] === 0x49 && bytes[p + 1] === 0x49;
  if (!little && !(bytes[p] === 0x4d && bytes[p + 1] === 0x4d)) return undefined;
  const u16 = (at: number) => (little ? bytes[at]! | (bytes[at + 1]! << 8) : (bytes[at]! << 8) | bytes[at + 1]!);
  const u32 = (at: number) => (little ? u16(at) + u16(at + 2) * 0x10000 : u16(at) * 0x10000 + u16(at + 2));
  if (u16(p + 2) !== 42) return undefined;
  const ifd = p + u32(p + 4);
  if (ifd < p + 8 || ifd + 2 > end) return undefined;
  const entries = u16(ifd);
  if (ifd + 2 + 12 * entries > end) return undefined;
  let orientation = 1;
  for (let e = 0, q = ifd + 2; e < entries; e++, q += 12) {
    if (u16(q) !== ORIENTATION_TAG) continue;
    // SHORT, one value, stored in the entry itself.
    if (u16(q + 2) !== 3 || u32(q + 4) !== 1) return undefined;
    orientation = u16(q + 8);
  }
  return orientation;
}

/** The width and height of an upright JPEG whose header is plainly good; undefined otherwise (ask sharp). */
export function uprightJpegSize(bytes: Uint8Array): JpegSize | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let frame: Frame | undefined;
  let quant = 0;
  let huffman = 0;
  let exif = false;
  let iccChunks = 0;
  let iccCount = 0;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    const p = i + 4;
    const end = i + 2 + length;
    if (length < 2 || end > bytes.length) return undefined;
    if (marker === SOF0 || marker === SOF1 || marker === SOF2) {
      if (frame) return undefined; // two frames: libjpeg refuses
      frame = readFrame(bytes, p, length, marker);
      if (!frame) return undefined;
    } else if (marker === DQT) {
      const defined = quantTables(bytes, p, end);
      if (defined < 0) return undefined;
      quant |= defined;
    } else if (marker === DHT) {
      const defined = huffmanTables(bytes, p, end);
      if (defined < 0) return undefined;
      huffman |= defined;
    } else if (marker === DRI) {
      if (length !== 4) return undefined;
    } else if (marker === APP0) {
      // libjpeg warns of a JFIF major version other than 1.
      if (length >= 16 && ascii(bytes, p, 'JFIF\0') && bytes[p + 5] !== 1) return undefined;
    } else if (marker === APP1) {
      if (ascii(bytes, p, 'Exif\0\0')) {
        if (exif) return undefined; // libvips reads the first; not worth guessing
        exif = true;
        if (exifOrientation(bytes, p + 6, end) !== 1) return undefined;
      }
    } else if (marker === APP2) {
      if (ascii(bytes, p, 'ICC_PROFILE\0')) {
        // Chunks numbered 1..count, in order, all of one count.
        if (length < 16 || bytes[p + 12] !== ++iccChunks || (iccCount !== 0 && bytes[p + 13] !== iccCount)) return undefined;
        iccCount = bytes[p + 13]!;
      }
    } else if (marker === APP14) {
      // An Adobe colour transform other than none (0) or YCbCr (1) makes libjpeg warn.
      if (length >= 14 && ascii(bytes, p, 'Adobe') && bytes[p + 11]! > 1) return undefined;
    } else if (marker === SOS) {
      if (!frame || iccChunks !== iccCount) return undefined;
      return scanIsGood(bytes, p, length, frame, quant, huffman) ? { width: frame.width, height: frame.height } : undefined;
    } else if (!((marker > APP2 && marker <= APP15) || marker === COM)) {
      return undefined; // arithmetic coding, lossless, hierarchical, a stray marker: sharp decides
    }
    i = end;
  }
  return undefined;
}

/** The first scan's header: its components are the frame's, its tables defined, its spectral selection plain. */
function scanIsGood(bytes: Uint8Array, p: number, length: number, frame: Frame, quant: number, huffman: number): boolean {
  const count = bytes[p]!;
  if (count < 1 || count > 4 || length !== 6 + 2 * count) return false;
  for (const table of frame.components.values()) if (!(quant & (1 << table))) return false;
  const q = p + 1 + 2 * count;
  const [ss, se, a] = [bytes[q]!, bytes[q + 1]!, bytes[q + 2]!];
  const seen = new Set<number>();
  for (let c = 0, r = p + 1; c < count; c++, r += 2) {
    const id = bytes[r]!;
    const dc = bytes[r + 1]! >> 4;
    const ac = bytes[r + 1]! & 15;
    if (!frame.components.has(id) || seen.has(id) || dc > 3 || ac > 3) return false;
    seen.add(id);
    const needsDc = !frame.progressive || ss === 0;
    const needsAc = !frame.progressive || ss > 0;
    if ((needsDc && !(huffman & (1 << dc))) || (needsAc && !(huffman & (1 << (4 + ac))))) return false;
  }
  // A sequential scan covers all 64 coefficients at full precision (libjpeg warns otherwise).
  if (!frame.progressive) return ss === 0 && se === 63 && a === 0;
  return ss <= se && se <= 63;
}
