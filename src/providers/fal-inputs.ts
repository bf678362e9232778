/**
 * What each fal edit model takes (provider-protocols B.8): one image in
 * `image_url` or a list in `image_urls`, and which shared options it has.
 * fal models differ here, so FrameForge keeps a table of the popular ones;
 * an unknown model gets `image_urls` (the newer, multi-image convention) and
 * the commonly named options, and the user can force the field with
 * `--image-field`. Output format is only a hint: the core converts the result
 * to the requested format anyway, so a model without it needs no warning.
 */
import { FrameForgeError } from '../core/errors.js';
import type { EditOptions } from './types.js';

export type ImageField = 'image_url' | 'image_urls';

export interface FalModelInputs {
  field: ImageField;
  /** Formats the model's `output_format` accepts; empty when it has none. */
  outputFormats: readonly string[];
  aspectRatio: boolean;
  seed: boolean;
  numImages: boolean;
  /** Images per request, for the core to check before uploading. */
  maxImages: number;
  /** Longest input edge worth sending: these models work at 1-4 MP. */
  maxEdge: number;
}

const ONE_IMAGE = { field: 'image_url', maxImages: 1 } as const;
const MANY_IMAGES = { field: 'image_urls', maxImages: 10 } as const;
const COMMON = { seed: true, numImages: true };
const JPEG_PNG = ['jpeg', 'png'] as const;
const ALL_FORMATS = ['jpeg', 'png', 'webp'] as const;

const nanoBanana: FalModelInputs = { ...MANY_IMAGES, ...COMMON, outputFormats: ALL_FORMATS, aspectRatio: true, maxEdge: 3072 };
const kontextPro: FalModelInputs = { ...ONE_IMAGE, ...COMMON, outputFormats: JPEG_PNG, aspectRatio: true, maxEdge: 2048 };
const seedream: FalModelInputs = { ...MANY_IMAGES, ...COMMON, outputFormats: [], aspectRatio: false, maxEdge: 4096 };

export const KNOWN_FAL_MODELS: Readonly<Record<string, FalModelInputs>> = {
  'fal-ai/nano-banana/edit': nanoBanana,
  'fal-ai/gemini-25-flash-image/edit': nanoBanana,
  'fal-ai/nano-banana-pro/edit': { ...nanoBanana, maxEdge: 4096 },
  'fal-ai/flux/dev/image-to-image': { ...ONE_IMAGE, ...COMMON, outputFormats: JPEG_PNG, aspectRatio: false, maxEdge: 2048 },
  'fal-ai/flux-pro/kontext': kontextPro,
  'fal-ai/flux-pro/kontext/max': kontextPro,
  'fal-ai/flux-pro/kontext/multi': { ...kontextPro, ...MANY_IMAGES },
  'fal-ai/flux-kontext/dev': { ...ONE_IMAGE, ...COMMON, outputFormats: JPEG_PNG, aspectRatio: false, maxEdge: 2048 },
  'fal-ai/qwen-image-edit': { ...ONE_IMAGE, ...COMMON, outputFormats: JPEG_PNG, aspectRatio: false, maxEdge: 2048 },
  'fal-ai/qwen-image-edit-plus': { ...MANY_IMAGES, ...COMMON, outputFormats: ALL_FORMATS, aspectRatio: false, maxEdge: 2048 },
  'fal-ai/bytedance/seedream/v4/edit': seedream,
  'fal-ai/bytedance/seedream/v4.5/edit': seedream,
};

/** An endpoint we do not know: the conventions most fal edit models share. */
const UNKNOWN: FalModelInputs = { ...MANY_IMAGES, ...COMMON, outputFormats: [], aspectRatio: true, maxEdge: 4096 };

export function falModelInputs(endpoint: string): FalModelInputs {
  return KNOWN_FAL_MODELS[endpoint] ?? UNKNOWN;
}

/**
 * The model's input object, minus the images, and warnings for options the
 * model does not take. Throws when several images go to a one-image field.
 */
export function buildFalInput(
  endpoint: string,
  imageUrls: readonly string[],
  prompt: string,
  options: EditOptions,
): { input: Record<string, unknown>; warnings: string[] } {
  const model = falModelInputs(endpoint);
  const field = options.imageField ?? model.field;
  const warnings: string[] = [];
  if (field === 'image_url' && imageUrls.length > 1) {
    throw new FrameForgeError(
      'too_many_images',
      `fal:${endpoint} takes one image (image_url) but was given ${imageUrls.length}.`,
      { hint: 'Drop the --with reference images, or use a multi-image model such as fal:fal-ai/nano-banana/edit.' },
    );
  }
  const input: Record<string, unknown> = {
    prompt,
    ...(field === 'image_url' ? { image_url: imageUrls[0] } : { image_urls: [...imageUrls] }),
  };
  const unsupported = (what: string) => warnings.push(`fal:${endpoint} takes no ${what}; it was not sent.`);
  if (options.aspectRatio && options.aspectRatio !== 'auto') {
    if (model.aspectRatio) input.aspect_ratio = options.aspectRatio;
    else unsupported(`aspect ratio (${options.aspectRatio})`);
  }
  if (options.seed !== undefined) {
    if (model.seed) input.seed = options.seed;
    else unsupported('seed');
  }
  if (options.numImages !== undefined && options.numImages !== 1) {
    if (model.numImages) input.num_images = options.numImages;
    else unsupported('number of images');
  }
  if (options.outputFormat && model.outputFormats.includes(options.outputFormat)) {
    input.output_format = options.outputFormat;
  }
  return { input, warnings };
}
