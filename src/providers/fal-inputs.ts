/**
 * Builds a fal model's input from the catalogue row (fal-models.ts): one image
 * in `image_url` or a list in `image_urls`, the output size on the model's own
 * knob, the input's framing kept (the nearest ratio the model takes, or
 * `{width, height}` with the input's aspect), and the shared options it has.
 * An unknown model gets `image_urls` (the newer, multi-image convention) and
 * the commonly named options, and the user can force the field with
 * `--image-field`. Output format is only a hint: the core converts the result
 * to the requested format anyway, so a model without it needs no warning.
 */
import { FrameForgeError } from '../core/errors.js';
import { fitDimensions, nearestRatio, ratioValue, TIER_EDGE, type SizeTier } from '../core/output-size.js';
import { falModel, type FalModel, type ImageField } from './fal-models.js';
import type { EditOptions } from './types.js';

export type { ImageField } from './fal-models.js';

/** An endpoint we do not know: the conventions most fal edit models share; nothing size-specific is sent. */
function unknownModel(endpoint: string): FalModel {
  return {
    endpoint, name: endpoint, field: 'image_urls', maxImages: 10, numImages: {}, seed: true,
    outputFormats: [], safety: [], maxEdge: 4096, source: 'none: not in the catalogue',
  };
}

export function falModelOrDefault(endpoint: string): FalModel {
  return falModel(endpoint) ?? unknownModel(endpoint);
}

/** The aspect ratios `--aspect-ratio` may name for this model; `any` for `{width, height}` models, undefined when unknown. */
export function falAspectRatios(model: FalModel): readonly string[] | 'any' | undefined {
  if (!model.aspect) return falModel(model.endpoint) ? [] : undefined;
  if (model.aspect.param === 'image_size') return 'any';
  return model.aspect.values.filter((v) => v === 'auto' || ratioValue(v) !== undefined);
}

/** Refuses an `--aspect-ratio` the model cannot take, naming the ones it can (before any upload). */
export function checkFalOptions(endpoint: string, options: EditOptions): void {
  const asked = options.aspectRatio;
  if (asked === undefined || asked === 'auto') return;
  const model = falModelOrDefault(endpoint);
  const allowed = falAspectRatios(model);
  if (allowed === undefined) return; // an unknown model: fal itself will say
  if (allowed === 'any' ? ratioValue(asked) !== undefined : allowed.includes(asked)) return;
  const valid = allowed === 'any' ? 'any W:H, e.g. 16:9' : allowed.length ? allowed.join(', ') : 'none (it keeps the input\'s framing)';
  throw new FrameForgeError('invalid_option', `fal:${endpoint} does not take the aspect ratio "${asked}". Valid: ${valid}.`, {
    subject: 'aspect-ratio',
  });
}

/** The tier the model's `resolution` enum has: the asked one, else the largest below it, else its smallest. */
function pickResolution(values: readonly string[], tier: SizeTier): string {
  if (values.includes(tier)) return tier;
  const edge = (v: string): number => (v.endsWith('K') ? Number(v.slice(0, -1)) * 1024 : Number(v));
  const below = values.filter((v) => edge(v) <= TIER_EDGE[tier]).sort((a, b) => edge(b) - edge(a));
  return below[0] ?? values[0]!;
}

/** Size and framing fields for this model, and warnings for what it cannot honour. */
function frameFields(model: FalModel, options: EditOptions, warnings: string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const out = options.output;
  const asked = options.aspectRatio && options.aspectRatio !== 'auto' ? options.aspectRatio : undefined;
  const leaveRatio = options.aspectRatio === 'auto';
  const id = `fal:${model.endpoint}`;
  const size = model.size;
  if (size?.param === 'image_size' && out) {
    const aspect = asked ? ratioValue(asked)! : out.width / out.height;
    const dims = fitDimensions(aspect, TIER_EDGE[out.tier], size);
    fields.image_size = dims;
    const long = Math.max(dims.width, dims.height);
    if (out.asked && long !== TIER_EDGE[out.tier]) {
      warnings.push(`${id} makes ${dims.width}x${dims.height} rather than ${out.tier}: the nearest its image_size limits allow.`);
    }
  } else if (size?.param === 'resolution' && out) {
    fields.resolution = pickResolution(size.values, out.tier);
    if (out.asked && fields.resolution !== out.tier) warnings.push(`${id} has no ${out.tier} output; asked for ${String(fields.resolution)}.`);
  } else if (size?.param === 'resolution_mode') {
    fields.resolution_mode = asked ?? (leaveRatio ? 'auto' : 'match_input');
    if (out?.asked) warnings.push(`${id} takes no output size; it was not sent (its output follows the input's size).`);
  } else if (out?.asked) {
    warnings.push(`${id} takes no output size; --size ${out.tier} was not sent.`);
  }

  const aspect = model.aspect;
  if (aspect?.param === 'aspect_ratio') {
    const ratio = asked ?? (leaveRatio || !out ? undefined : nearestRatio(out.width, out.height, aspect.values));
    if (ratio) fields.aspect_ratio = ratio;
  } else if (!aspect && asked && !falModel(model.endpoint)) {
    fields.aspect_ratio = asked; // an unknown model: the common field name, and fal says if it is wrong
  }
  return fields;
}

/**
 * The model's input object and warnings for options it does not take.
 * Throws when several images go to a one-image field.
 */
export function buildFalInput(
  endpoint: string,
  imageUrls: readonly string[],
  prompt: string,
  options: EditOptions,
): { input: Record<string, unknown>; warnings: string[] } {
  const model = falModelOrDefault(endpoint);
  const field: ImageField = options.imageField ?? model.field;
  const warnings: string[] = [];
  if (field === 'image_url' && imageUrls.length > 1) {
    throw new FrameForgeError(
      'too_many_images',
      `fal:${endpoint} takes one image (image_url) but was given ${imageUrls.length}.`,
      { hint: 'Drop the --with reference images, or use a multi-image model such as fal:fal-ai/nano-banana-2/edit.' },
    );
  }
  const input: Record<string, unknown> = {
    prompt,
    ...(field === 'image_url' ? { image_url: imageUrls[0] } : { image_urls: [...imageUrls] }),
    ...frameFields(model, options, warnings),
  };
  const unsupported = (what: string) => warnings.push(`fal:${endpoint} takes no ${what}; it was not sent.`);
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
