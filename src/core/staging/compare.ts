/**
 * The before/after image (`--compare`): the original and the result side by
 * side at the result's height, or stacked at the result's width for portrait
 * photos (taller than wide), each half labelled "Before" / "After" in its
 * top-left corner. The original keeps its own shape (scaled, never cropped: a
 * model may answer in another aspect ratio). Always a JPEG: it is for a
 * listing page, not for further editing.
 */
import { encode } from '../images.js';
import { labelBox, labelSvg } from './label.js';

export interface CompareLayout {
  direction: 'side-by-side' | 'stacked';
  width: number;
  height: number;
  /** The original's size in the compare image. */
  before: { width: number; height: number };
  /** Where the result (After) starts. */
  after: { left: number; top: number };
}

/** The layout for a result of width x height and an upright original of ow x oh. */
export function compareLayout(width: number, height: number, ow: number, oh: number): CompareLayout {
  if (height > width) {
    const bh = Math.max(1, Math.round((oh * width) / ow));
    return { direction: 'stacked', width, height: bh + height, before: { width, height: bh }, after: { left: 0, top: bh } };
  }
  const bw = Math.max(1, Math.round((ow * height) / oh));
  return { direction: 'side-by-side', width: bw + width, height, before: { width: bw, height }, after: { left: bw, top: 0 } };
}

async function labelled(sharp: typeof import('sharp').default, image: Buffer, width: number, height: number, text: string): Promise<Buffer> {
  const box = labelBox(width, height, { text, position: 'top-left' });
  return sharp(image).composite([{ input: labelSvg(box, text), left: box.left, top: box.top }]).png().toBuffer();
}

/** `original` as the user gave it (any orientation, any size), `result` as delivered. */
export async function makeCompare(original: Buffer, result: Buffer): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  const { width = 0, height = 0 } = await sharp(result).metadata();
  const upright = await sharp(original).rotate().png().toBuffer({ resolveWithObject: true });
  const layout = compareLayout(width, height, upright.info.width, upright.info.height);
  const before = await sharp(upright.data).resize({ width: layout.before.width, height: layout.before.height, fit: 'fill' }).png().toBuffer();
  const [beforeHalf, afterHalf] = await Promise.all([
    labelled(sharp, before, layout.before.width, layout.before.height, 'Before'),
    labelled(sharp, await sharp(result).png().toBuffer(), width, height, 'After'),
  ]);
  const canvas = sharp({ create: { width: layout.width, height: layout.height, channels: 3, background: '#000' } }).composite([
    { input: beforeHalf, left: 0, top: 0 },
    { input: afterHalf, left: layout.after.left, top: layout.after.top },
  ]);
  return encode(canvas, 'jpeg').toBuffer();
}
