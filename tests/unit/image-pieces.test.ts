/**
 * An image held as the pieces an upload came in (src/core/image-pieces.ts,
 * jpeg-pieces.ts): the edit core gives the same bytes, warnings and errors
 * as for the same image in one buffer, however it is cut; an upright JPEG
 * the mock answers is never joined (its result is views of the pieces).
 */
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { editImage, type ImageInput } from '../../src/core/edit.js';
import { FrameForgeError } from '../../src/core/errors.js';
import { headOf, joinPieces, piecesFrom, withPieces } from '../../src/core/image-pieces.js';
import { resolveProvider } from '../../src/providers/registry.js';
import { exifHasGps, makeJpeg, makePng } from '../support/images.js';
import sharp from 'sharp';

const config = configFrom({ logLevel: 'silent' });

/** `bytes` cut at `cuts` (offsets; negative ones count from the end), each piece in memory of its own (as a socket's reads). */
function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [0, ...cuts.map((c) => (c < 0 ? bytes.length + c : c)), bytes.length];
  return at.slice(1).map((end, i) => {
    const piece = Buffer.allocUnsafeSlow(end - at[i]!);
    bytes.copy(piece, 0, at[i], end);
    return piece;
  });
}

function inPieces(pieces: Buffer[], name = 'room.jpg'): ImageInput {
  return withPieces({ name }, pieces);
}

async function edit(image: ImageInput, job: { disclosure?: boolean } = {}) {
  const resolved = await resolveProvider('mock', config);
  return editImage(resolved, { image, ...job }, config);
}

async function outcomeOrError(image: ImageInput) {
  try {
    const outcome = await edit(image);
    return { bytes: Buffer.concat(outcome.chunks), warnings: outcome.warnings, mimeType: outcome.mimeType };
  } catch (error) {
    return { error: error instanceof FrameForgeError ? { code: error.code, message: error.message } : String(error) };
  }
}

describe('pieces helpers', () => {
  const bytes = Buffer.from('abcdefghij');
  const pieces = cut(bytes, [3, 4, 8]);

  it('piecesFrom gives the bytes from an offset on, as views', () => {
    expect(Buffer.concat(piecesFrom(pieces, 0)).toString()).toBe('abcdefghij');
    expect(Buffer.concat(piecesFrom(pieces, 5)).toString()).toBe('fghij');
    expect(piecesFrom(pieces, 5)[0]!.buffer).toBe(pieces[2]!.buffer);
    expect(piecesFrom(pieces, 10)).toEqual([]);
  });

  it('headOf is the first piece when it is long enough, else a copy of the leading pieces', () => {
    expect(headOf(pieces, 2)).toBe(pieces[0]);
    expect(headOf(pieces, 5).toString()).toBe('abcdefgh');
    expect(headOf(pieces, 50).toString()).toBe('abcdefghij');
  });

  it('withPieces joins data once, on first read; spreads and JSON carry data, not the pieces', () => {
    const file = withPieces({ name: 'x' }, pieces);
    expect(file.data.toString()).toBe('abcdefghij');
    expect(file.data).toBe(file.data);
    expect(Object.keys({ ...file })).toEqual(['name', 'data']);
    expect(joinPieces([])).toHaveLength(0);
  });
});

describe('the edit core on an image in pieces', () => {
  it('an upright, metadata-free JPEG comes back as the same bytes, its scan data views of the pieces (not copied)', async () => {
    const jpeg = await makeJpeg({ width: 300, height: 200, noise: true });
    const pieces = cut(jpeg, [1000, 5000, -100]);
    const outcome = await edit(inPieces(pieces));
    const flat = await edit({ name: 'room.jpg', data: jpeg });
    expect(Buffer.concat(outcome.chunks).equals(flat.data)).toBe(true);
    const buffers = new Set(outcome.chunks.map((c) => c.buffer));
    for (const piece of pieces.slice(1)) expect(buffers.has(piece.buffer)).toBe(true);
    // Without the disclosure, exactly the input's bytes.
    expect(Buffer.concat((await edit(inPieces(pieces), { disclosure: false })).chunks).equals(jpeg)).toBe(true);
  });

  it('a JPEG with GPS and camera EXIF is stripped in pieces as in one buffer', async () => {
    const jpeg = await makeJpeg({ width: 120, height: 80, gps: true, noise: true });
    const pieces = cut(jpeg, [3000, -10]);
    const outcome = await edit(inPieces(pieces), { disclosure: false });
    const bytes = Buffer.concat(outcome.chunks);
    expect(bytes.equals((await edit({ name: 'room.jpg', data: jpeg }, { disclosure: false })).data)).toBe(true);
    expect(exifHasGps((await sharp(bytes).metadata()).exif)).toBe(false);
    expect(bytes.length).toBeLessThan(jpeg.length);
  });

  it.each([
    ['the header cut into small pieces', [3, 10, 40, 200]],
    ['the end-of-image marker split between two pieces', [-1]],
    ['one piece per byte of the header', Array.from({ length: 300 }, (_, i) => i + 1)],
  ])('%s: the same result as in one buffer', async (_what, cuts) => {
    const jpeg = await makeJpeg({ width: 200, height: 100, noise: true });
    expect(await outcomeOrError(inPieces(cut(jpeg, cuts)))).toEqual(await outcomeOrError({ name: 'room.jpg', data: jpeg }));
  });

  it.each([
    ['a JPEG cut short', async () => (await makeJpeg({ width: 200, height: 100, noise: true })).subarray(0, 2000)],
    ['a JPEG with EXIF orientation 6', () => makeJpeg({ width: 200, height: 100, orientation: 6 })],
    ['a PNG', () => makePng(40, 30)],
    ['no image at all', async () => Buffer.from('not an image, only text '.repeat(20))],
  ])('%s: the same result or error as in one buffer', async (_what, make) => {
    const bytes = await make();
    expect(await outcomeOrError(inPieces(cut(bytes, [100, -5])))).toEqual(await outcomeOrError({ name: 'room.jpg', data: bytes }));
  });
});
