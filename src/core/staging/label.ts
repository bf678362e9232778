/**
 * The visible label (`--label "Virtually staged"`): the text on a
 * semi-opaque dark band in one corner. White on a dark band reads on light and
 * dark photos alike; the band and the text scale with the image (a fixed share
 * of its shorter side, with a floor), so the label stays legible on a
 * thumbnail and is not a banner on a 6000-pixel original.
 *
 * The text is drawn by librsvg (inside sharp) from an SVG, with the first
 * sans-serif font fontconfig finds (DejaVu Sans on Debian: fonts-dejavu-core).
 */
import { FrameForgeError } from '../errors.js';
import { encode, type OutputFormat } from '../images.js';

export const LABEL_POSITIONS = ['bottom-right', 'bottom-left', 'top-right', 'top-left'] as const;
export type LabelPosition = (typeof LABEL_POSITIONS)[number];
export const DEFAULT_LABEL_POSITION: LabelPosition = 'bottom-right';
const MAX_LABEL_LENGTH = 100;

export interface LabelOptions {
  text: string;
  position: LabelPosition;
}

/** Checks a label from either door; `field` names the flag or form field in errors. */
export function parseLabel(text: string | undefined, position: string | undefined, fields = { text: '--label', position: '--label-position' }): LabelOptions | undefined {
  const trimmed = text?.trim();
  if (position !== undefined && !(LABEL_POSITIONS as readonly string[]).includes(position)) {
    throw new FrameForgeError('usage', `${fields.position} must be one of ${LABEL_POSITIONS.join(', ')}; got "${position}".`, { subject: fields.position });
  }
  if (!trimmed) {
    if (text !== undefined) throw new FrameForgeError('usage', `${fields.text} needs some text.`, { subject: fields.text });
    return undefined;
  }
  if ([...trimmed].length > MAX_LABEL_LENGTH || [...trimmed].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new FrameForgeError('usage', `${fields.text} must be one line of at most ${MAX_LABEL_LENGTH} characters.`, { subject: fields.text });
  }
  return { text: trimmed, position: (position as LabelPosition | undefined) ?? DEFAULT_LABEL_POSITION };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where the band goes on a width x height image: its size follows the shorter
 * side (4%, at least 12 px of text), its width the text (an estimate of 0.62
 * em a character for a sans-serif, clipped to the image).
 */
export function labelBox(width: number, height: number, label: LabelOptions): Box & { fontSize: number; pad: number } {
  const fontSize = Math.max(12, Math.round(Math.min(width, height) * 0.04));
  const pad = Math.round(fontSize * 0.5);
  const margin = Math.round(fontSize * 0.6);
  const bandHeight = Math.min(height, fontSize + 2 * pad);
  const bandWidth = Math.min(width, Math.round([...label.text].length * fontSize * 0.62) + 2 * pad);
  const right = label.position.endsWith('right');
  const bottom = label.position.startsWith('bottom');
  const left = right ? Math.max(0, width - bandWidth - margin) : Math.min(margin, width - bandWidth);
  const top = bottom ? Math.max(0, height - bandHeight - margin) : Math.min(margin, height - bandHeight);
  return { left, top, width: bandWidth, height: bandHeight, fontSize, pad };
}

/** An SVG the size of the band: the dark band, then the text. */
export function labelSvg(box: ReturnType<typeof labelBox>, text: string): Buffer {
  const radius = Math.round(box.fontSize * 0.25);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${box.width}" height="${box.height}">` +
      `<rect width="${box.width}" height="${box.height}" rx="${radius}" fill="#000" fill-opacity="0.62"/>` +
      `<text x="${box.pad}" y="${box.height / 2}" dominant-baseline="central" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" ` +
      `font-size="${box.fontSize}" fill="#fff">${escapeXml(text)}</text></svg>`,
  );
}

/** The image with the label drawn in, re-encoded in `format` (metadata-free, like encodeOutput). */
export async function addLabel(data: Buffer, format: OutputFormat, label: LabelOptions): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  const { width = 0, height = 0 } = await sharp(data).metadata();
  const box = labelBox(width, height, label);
  return encode(sharp(data).composite([{ input: labelSvg(box, label.text), left: box.left, top: box.top }]), format).toBuffer();
}
