/**
 * Image checks and conversions around a provider call (contract 4):
 * - inspectImage: refuse what is not a readable, whole, reasonably sized image,
 *   reading headers only (a decompression bomb is refused, never decoded);
 * - prepareForProvider: upright, metadata-free, within the provider's size,
 *   re-encoded only when rotation, scaling or a format change requires it;
 * - encodeOutput: the provider's image in the format the user asked for.
 *
 * sharp is imported lazily: the CLI's --help and --version must not pay for it.
 */
import { FrameForgeError } from './errors.js';
import { findTruncation, MIME_TYPES, sniffFormat, type ImageFormat } from './image-format.js';
import { withPieces, type MaybePieces } from './image-pieces.js';
import { uprightJpegSize } from './jpeg-header.js';
import { jpegEndsInLastPiece, jpegHead, stripJpegPieces } from './jpeg-pieces.js';
import { stripMetadata } from './metadata-strip.js';

export type OutputFormat = 'png' | 'jpeg' | 'webp';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'webp'];

/** Formats providers take as they are; anything else is converted first. */
const PROVIDER_FORMATS = new Set<ImageFormat>(['jpeg', 'png', 'webp']);
const JPEG_QUALITY = 92;

export interface InspectedImage {
  /** What the user calls it: the path as given, or the upload's file name. */
  readonly name: string;
  readonly data: Buffer;
  /** The same bytes as the pieces an upload came in (image-pieces.ts), when it was read that way. */
  readonly pieces?: readonly Buffer[];
  readonly format: ImageFormat;
  /** As stored, before EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
  /** EXIF orientation, 1 (upright) to 8. */
  readonly orientation: number;
  readonly hasAlpha: boolean;
  /** Frames of an animated GIF or WebP, pages of a TIFF; 1 for a still image. Only the first is edited. */
  readonly pages: number;
}

export interface PreparedImage {
  readonly data: Buffer;
  /** The same bytes in pieces (image-pieces.ts), when the input was in pieces and passed through. */
  readonly pieces?: readonly Buffer[];
  readonly mimeType: string;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** False when only metadata was removed: the pixel data left untouched. */
  readonly reencoded: boolean;
}

const READABLE = 'JPEG, PNG, WebP, GIF, AVIF, TIFF or HEIC';

let sharpModule: Promise<typeof import('sharp').default> | undefined;

/** sharp, loaded once: an import() per call went through the module loader's resolution every edit. */
function loadSharp(): Promise<typeof import('sharp').default> {
  return (sharpModule ??= import('sharp').then((m) => m.default));
}

/** What inspectImage takes from an image's header. */
interface HeaderFacts {
  width?: number | undefined;
  height?: number | undefined;
  orientation?: number | undefined;
  hasAlpha?: boolean | undefined;
  pages?: number | undefined;
}

/**
 * The header facts: for an upright JPEG with a plainly good header, from its
 * marker segments (jpeg-header.ts; no libvips call, the common case of an
 * upload); for anything else from sharp, which reads the header only.
 */
async function readHeader(data: Buffer, name: string, format: ImageFormat): Promise<HeaderFacts> {
  const jpeg = format === 'jpeg' ? uprightJpegSize(data) : undefined;
  if (jpeg) return { width: jpeg.width, height: jpeg.height, orientation: 1, hasAlpha: false, pages: 1 };
  const sharp = await loadSharp();
  try {
    return await sharp(data, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new FrameForgeError('corrupt_image', `${name} could not be read as ${format.toUpperCase()}.`, {
      subject: name,
      cause: error,
      ...(format === 'heic' ? { hint: 'This build of the image library may not decode HEVC-coded HEIC; convert it to JPEG first.' } : {}),
    });
  }
}

/**
 * inspectImage of an image that may be in pieces (an upload): an upright JPEG
 * whose header the leading piece holds and whose end-of-image marker the last
 * one does is checked on those and stays in pieces (no copy of the upload);
 * anything else, or anything refused, goes through inspectImage on the joined
 * bytes, with its checks and its errors.
 */
export async function inspectInput(input: MaybePieces & { readonly name: string }, maxPixels: number): Promise<InspectedImage> {
  const { pieces } = input;
  if (pieces && pieces.length > 1) {
    const header = jpegHead(pieces);
    const size = header && jpegEndsInLastPiece(pieces, header.scanStart) ? uprightJpegSize(header.head) : undefined;
    if (size && size.width > 0 && size.height > 0 && size.width * size.height <= maxPixels) {
      const facts = { name: input.name, format: 'jpeg' as const, width: size.width, height: size.height, orientation: 1, hasAlpha: false, pages: 1 };
      return withPieces(facts, pieces);
    }
  }
  return inspectImage(input.data, input.name, maxPixels);
}

export async function inspectImage(data: Buffer, name: string, maxPixels: number): Promise<InspectedImage> {
  if (data.length === 0) {
    throw new FrameForgeError('empty_file', `${name} is empty (0 bytes).`, { subject: name });
  }
  const format = sniffFormat(data);
  if (!format) {
    throw new FrameForgeError('unsupported_image', `${name} is not an image FrameForge can read.`, {
      subject: name,
      hint: `Use a ${READABLE} file.`,
    });
  }
  const truncation = findTruncation(data, format);
  if (truncation) {
    throw new FrameForgeError('corrupt_image', `${name} is truncated or corrupt: ${truncation}.`, { subject: name });
  }
  // Reads the header only; nothing is decoded here.
  const meta = await readHeader(data, name, format);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) {
    throw new FrameForgeError('corrupt_image', `${name} declares no image size.`, { subject: name });
  }
  if (width * height > maxPixels) {
    throw new FrameForgeError(
      'image_too_large',
      `${name} is ${width}x${height} pixels, more than the ${formatPixels(maxPixels)} FrameForge accepts.`,
      { subject: name, hint: 'Scale it down first, or raise MAX_INPUT_PIXELS.' },
    );
  }
  return {
    name,
    data,
    format,
    width,
    height,
    orientation: meta.orientation ?? 1,
    hasAlpha: Boolean(meta.hasAlpha),
    pages: meta.pages ?? 1,
  };
}

/** The warning for an image of several frames or pages, of which only the first is edited. */
export function firstFrameWarning(image: InspectedImage): string | undefined {
  if (image.pages <= 1) return undefined;
  const what = image.format === 'tiff' ? `a ${image.pages}-page TIFF` : `an animated ${image.format.toUpperCase()} of ${image.pages} frames`;
  return `${image.name} is ${what}; only the first ${image.format === 'tiff' ? 'page' : 'frame'} was edited.`;
}

function formatPixels(pixels: number): string {
  return pixels >= 1_000_000 ? `${Math.round(pixels / 100_000) / 10} megapixels` : `${pixels} pixels`;
}

export async function prepareForProvider(
  image: InspectedImage,
  maxEdge: number,
  maxPixels: number,
): Promise<PreparedImage> {
  const rotate = image.orientation > 1 && image.orientation <= 8;
  const resize = Math.max(image.width, image.height) > maxEdge;
  const convert = !PROVIDER_FORMATS.has(image.format);
  // An animated WebP would go to the provider whole; decoding keeps the first frame only (sharp reads page 0).
  const firstFrameOnly = image.pages > 1;
  if (!rotate && !resize && !convert && !firstFrameOnly) {
    const pieces = image.pieces && image.format === 'jpeg' ? stripJpegPieces(image.pieces) : undefined;
    if (pieces) {
      return withPieces({ mimeType: MIME_TYPES.jpeg, name: image.name, width: image.width, height: image.height, reencoded: false }, pieces);
    }
    return {
      data: stripMetadata(image.data, image.format),
      mimeType: MIME_TYPES[image.format],
      name: image.name,
      width: image.width,
      height: image.height,
      reencoded: false,
    };
  }
  const target: OutputFormat = convert ? (image.hasAlpha || image.format === 'gif' || image.format === 'tiff' ? 'png' : 'jpeg') : (image.format as OutputFormat);
  const sharp = await loadSharp();
  try {
    // sharp writes no metadata unless asked to, so the re-encoded image carries none.
    const { data, info } = await encode(
      sharp(image.data, { limitInputPixels: maxPixels })
        .rotate()
        .resize({ width: maxEdge, height: maxEdge, fit: 'inside', withoutEnlargement: true }),
      target,
    ).toBuffer({ resolveWithObject: true });
    return { data, mimeType: MIME_TYPES[target], name: image.name, width: info.width, height: info.height, reencoded: true };
  } catch (error) {
    throw new FrameForgeError('corrupt_image', `${image.name} could not be decoded: ${(error as Error).message}.`, {
      subject: image.name,
      cause: error,
    });
  }
}

/** The one place output encoding settings live (quality, chroma). */
export function encode(pipeline: import('sharp').Sharp, format: OutputFormat): import('sharp').Sharp {
  if (format === 'jpeg') return pipeline.jpeg({ quality: JPEG_QUALITY, mozjpeg: false });
  if (format === 'webp') return pipeline.webp({ quality: JPEG_QUALITY });
  return pipeline.png();
}

/** The provider's image in the requested format, metadata-free; converted only when the format differs. */
export async function encodeOutput(
  data: Buffer,
  format: OutputFormat,
  providerName: string,
): Promise<{ data: Buffer; mimeType: string }> {
  const actual = sniffFormat(data);
  if (!actual) {
    throw new FrameForgeError('provider_error', `${providerName} returned data that is not an image.`);
  }
  if (actual === format) return { data: stripMetadata(data, actual), mimeType: MIME_TYPES[format] };
  const sharp = await loadSharp();
  try {
    return { data: await encode(sharp(data).rotate(), format).toBuffer(), mimeType: MIME_TYPES[format] };
  } catch (error) {
    throw new FrameForgeError('provider_error', `${providerName} returned an image that could not be decoded.`, {
      cause: error,
    });
  }
}

/**
 * encodeOutput of an image that may be in pieces: a JPEG wanted as JPEG is
 * stripped on its pieces and stays in them; anything else as encodeOutput.
 */
export async function encodeOutputOf(
  image: MaybePieces,
  format: OutputFormat,
  providerName: string,
): Promise<MaybePieces & { mimeType: string }> {
  const pieces = image.pieces && format === 'jpeg' ? stripJpegPieces(image.pieces) : undefined;
  // Already stripped (the mock's answer is the prepared input): the same image.
  if (pieces && pieces === image.pieces && 'mimeType' in image && image.mimeType === MIME_TYPES.jpeg) return image as MaybePieces & { mimeType: string };
  if (pieces) return withPieces({ mimeType: MIME_TYPES.jpeg }, pieces);
  return encodeOutput(image.data, format, providerName);
}

/** Output format for a path's extension, if it names one. */
export function formatFromExtension(filePath: string): OutputFormat | undefined {
  const ext = filePath.toLowerCase().split('.').pop();
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  if (ext === 'png' || ext === 'webp') return ext;
  return undefined;
}

export function extensionFor(format: OutputFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
}

/** The format an output takes when the user named none: the input's, if a provider format, else PNG. */
export function defaultOutputFormat(input: ImageFormat): OutputFormat {
  return input === 'jpeg' || input === 'png' || input === 'webp' ? input : 'png';
}
