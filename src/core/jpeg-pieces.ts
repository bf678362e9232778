/**
 * The JPEG pass-through path on an image held in pieces (image-pieces.ts):
 * the checks and the metadata strip read only the header (through the first
 * SOS segment) and the end-of-image marker, so they run on the leading
 * piece and the last one, and the result is the same pieces (or views of
 * them) with header segments dropped. Each answers undefined when the pieces
 * do not let it tell (a header longer than the head it looks at, an EOI split
 * between pieces): the caller then takes the ordinary path on the joined
 * bytes, with its errors.
 */
import { headOf, piecesFrom, piecesLength } from './image-pieces.js';
import { jpegEndsAfter, jpegScanStart, sniffFormat } from './image-format.js';
import { jpegKeptSegments } from './metadata-strip.js';

/** How far into the pieces a header is looked for when the first piece does not hold it (EXIF and ICC profiles are rarely larger). */
const HEAD_MAX = 256 * 1024;

export interface JpegHead {
  /** The file's leading bytes, through its first SOS segment at least (the first piece, or a copy of the leading ones). */
  readonly head: Buffer;
  /** Where the first scan's data starts. */
  readonly scanStart: number;
}

/** The header of a JPEG in pieces, or undefined: not a JPEG, a header broken or longer than HEAD_MAX. */
export function jpegHead(pieces: readonly Buffer[]): JpegHead | undefined {
  let head = pieces[0];
  if (!head || sniffFormat(head) !== 'jpeg') return undefined;
  let scanStart = jpegScanStart(head);
  if ((typeof scanStart !== 'number' || scanStart > head.length) && pieces.length > 1) {
    head = headOf(pieces, HEAD_MAX);
    scanStart = jpegScanStart(head);
  }
  return typeof scanStart === 'number' && scanStart <= head.length ? { head, scanStart } : undefined;
}

/** Whether the last piece holds the end-of-image marker after the scan's start (jpegTruncation's check, on the pieces). */
export function jpegEndsInLastPiece(pieces: readonly Buffer[], scanStart: number): boolean {
  const last = pieces.at(-1);
  if (!last) return false;
  return jpegEndsAfter(last, scanStart, piecesLength(pieces) - last.length);
}

/** stripMetadata of a JPEG in pieces: the same pieces when nothing is dropped; undefined when the header cannot be read from them. */
export function stripJpegPieces(pieces: readonly Buffer[]): readonly Buffer[] | undefined {
  const header = jpegHead(pieces);
  if (!header) return undefined;
  const kept = jpegKeptSegments(header.head);
  if (!kept) return pieces;
  return [...kept.segments, ...piecesFrom(pieces, kept.rest)];
}
