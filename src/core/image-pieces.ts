/**
 * An image's bytes kept as the pieces they arrived in (an upload's chunks,
 * as busboy hands them over) instead of copied into one buffer. Copying every
 * upload together, and the garbage collections its buffers caused, was most
 * of what a server edit cost beyond a bare server that echoes the upload
 * (issue 15). The pass-through path of an upright, metadata-free JPEG (the
 * common upload, and the mock's whole edit) only reads the header and looks
 * for the end-of-image marker, so it works on the pieces and answers them
 * as they are; anything else reads `data`, which joins them once, on first
 * read.
 *
 * `pieces` is a non-enumerable property: a spread or JSON of the object
 * carries `data` only, so an object made from another with its `data`
 * replaced never takes along pieces that are no longer its bytes.
 */

/** An object whose `data` may also be held as pieces (`withPieces`). */
export interface MaybePieces {
  readonly data: Buffer;
  /** The same bytes as `data`, in order; set only by withPieces. */
  readonly pieces?: readonly Buffer[];
}

/** The pieces as one buffer: the piece itself when there is one, else a copy of them all. */
export function joinPieces(pieces: readonly Buffer[]): Buffer {
  if (pieces.length === 1) return pieces[0]!;
  return pieces.length === 0 ? Buffer.alloc(0) : Buffer.concat(pieces);
}

/**
 * `target` with `pieces` as its bytes: `pieces` (not enumerable) and `data`,
 * joined on first read. Returns `target` itself.
 */
export function withPieces<T extends object>(target: T, pieces: readonly Buffer[]): T & { readonly data: Buffer; readonly pieces: readonly Buffer[] } {
  let joined: Buffer | undefined;
  Object.defineProperty(target, 'pieces', { value: pieces, enumerable: false });
  Object.defineProperty(target, 'data', { get: () => (joined ??= joinPieces(pieces)), enumerable: true });
  return target as T & { readonly data: Buffer; readonly pieces: readonly Buffer[] };
}

export function piecesLength(pieces: readonly Buffer[]): number {
  let total = 0;
  for (const piece of pieces) total += piece.length;
  return total;
}

/** The bytes from `offset` on, as views of the pieces (nothing copied). */
export function piecesFrom(pieces: readonly Buffer[], offset: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (const piece of pieces) {
    const end = start + piece.length;
    if (end > offset) out.push(offset > start ? piece.subarray(offset - start) : piece);
    start = end;
  }
  return out;
}

/**
 * The first bytes as one buffer, at least `min` of them when there are that
 * many: the first piece when it is that long (no copy), else a copy of just
 * the leading pieces that make up `min` bytes.
 */
export function headOf(pieces: readonly Buffer[], min: number): Buffer {
  const first = pieces[0];
  if (!first) return Buffer.alloc(0);
  if (first.length >= min || pieces.length === 1) return first;
  const leading: Buffer[] = [];
  let length = 0;
  for (const piece of pieces) {
    leading.push(piece);
    length += piece.length;
    if (length >= min) break;
  }
  return Buffer.concat(leading, length);
}
