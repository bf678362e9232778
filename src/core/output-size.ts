/**
 * Output size and framing, shared by every provider: `--size auto|1K|2K|4K`
 * (form field `size`, DEFAULT_SIZE) and the aspect ratio sent to models that
 * take one. Each provider maps the result onto its own knob (Gemini's
 * `imageSize`, fal's `resolution`, `image_size: {width, height}` or
 * `resolution_mode`); this module only does the arithmetic.
 */
import { FrameForgeError, type ErrorCode } from './errors.js';

export type SizeTier = '1K' | '2K' | '4K';
export type SizeRequest = 'auto' | SizeTier;

/** Long edge, in pixels, of each tier (Google's 1K/2K/4K; fal uses the same tiers). */
export const TIER_EDGE: Readonly<Record<SizeTier, number>> = { '1K': 1024, '2K': 2048, '4K': 4096 };
export const SIZE_REQUESTS: readonly SizeRequest[] = ['auto', '1K', '2K', '4K'];

/** `auto` never picks 4K: it costs more (fal bills 2x, Gemini more tokens), so only on request. */
const AUTO_MAX: SizeTier = '2K';

export function parseSizeRequest(raw: unknown, name: string, code: ErrorCode = 'invalid_option'): SizeRequest {
  const value = typeof raw === 'string' ? raw.trim() : raw;
  if (typeof value === 'string') {
    const normal = value.toLowerCase() === 'auto' ? 'auto' : value.toUpperCase();
    if ((SIZE_REQUESTS as readonly string[]).includes(normal)) return normal as SizeRequest;
  }
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  const message =
    code === 'invalid_config' ? `Invalid setting ${name}=${shown}: expected one of ${SIZE_REQUESTS.join(', ')}.` : `${name} must be one of ${SIZE_REQUESTS.join(', ')}, got ${shown}.`;
  return fail(code, message, name);
}

function fail(code: ErrorCode, message: string, subject: string): never {
  throw new FrameForgeError(code, message, { subject });
}

/** The smallest tier whose long edge covers `longEdge`, at most 2K. */
export function autoTier(longEdge: number): SizeTier {
  if (longEdge <= TIER_EDGE['1K']) return '1K';
  return AUTO_MAX;
}

export function resolveTier(request: SizeRequest, width: number, height: number): SizeTier {
  return request === 'auto' ? autoTier(Math.max(width, height)) : request;
}

/** `"16:9"` as 16/9; undefined for anything that is not `W:H` of positive numbers. */
export function ratioValue(ratio: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio.trim());
  if (!match) return undefined;
  const w = Number(match[1]);
  const h = Number(match[2]);
  return w > 0 && h > 0 ? w / h : undefined;
}

/**
 * The ratio in `ratios` closest to width:height, compared on a log scale so
 * 2:1 and 1:2 are equally far from 1:1. Entries that are not `W:H` (`auto`,
 * `match_input`) are skipped.
 */
export function nearestRatio(width: number, height: number, ratios: readonly string[]): string | undefined {
  const target = Math.log(width / height);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const ratio of ratios) {
    const value = ratioValue(ratio);
    if (value === undefined) continue;
    const distance = Math.abs(Math.log(value) - target);
    if (distance < bestDistance - 1e-9) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}

export interface PixelBounds {
  minPixels: number;
  maxPixels: number;
  minSide?: number;
  maxSide?: number;
}

/**
 * `{width, height}` with the given aspect (width / height) and long edge, moved
 * into the model's bounds (scaled up past a minimum area, down past a maximum,
 * each side clamped), in multiples of 16 as diffusion models want.
 */
export function fitDimensions(aspect: number, longEdge: number, bounds: PixelBounds): { width: number; height: number } {
  let width = aspect >= 1 ? longEdge : longEdge * aspect;
  let height = aspect >= 1 ? longEdge / aspect : longEdge;
  const area = width * height;
  const scale = area < bounds.minPixels ? Math.sqrt(bounds.minPixels / area) : area > bounds.maxPixels ? Math.sqrt(bounds.maxPixels / area) : 1;
  width *= scale;
  height *= scale;
  const clamp = (v: number): number => Math.min(bounds.maxSide ?? Infinity, Math.max(bounds.minSide ?? 0, v));
  const round16 = (v: number, up: boolean): number => (up ? Math.ceil(v / 16) : Math.floor(v / 16)) * 16;
  // Rounding down keeps a maximum-area result within its bound; up, a minimum-area one.
  const up = scale > 1;
  return { width: clamp(round16(width, up)), height: clamp(round16(height, up)) };
}

/** The input's size as the model sees it: EXIF orientations 5-8 swap width and height. */
export function uprightSize(width: number, height: number, orientation: number): { width: number; height: number } {
  return orientation >= 5 ? { width: height, height: width } : { width, height };
}
