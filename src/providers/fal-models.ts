/**
 * What FrameForge knows about fal.ai edit models, one row per endpoint: the
 * image field, how many images it takes, its output-size and aspect-ratio
 * knobs, whether it takes `num_images`, its output formats and safety fields,
 * and whether fal lists it as legacy. Also the text-to-image ids people reach
 * for by mistake, and what to do with each. fal-inputs.ts builds requests from
 * these rows; docs/models.md (checked by a test) shows them.
 *
 * Sources, checked 2026-11-30:
 * - SDK: the input types in @fal-ai/client 1.10.1 `src/types/endpoints.d.ts`,
 *   which fal generates from each endpoint's OpenAPI schema (field names,
 *   enums, defaults, and the limits quoted in their descriptions).
 * - PAGE: the endpoint's own page, https://fal.ai/models/<endpoint>/llms.txt
 *   (ranges such as `num_images` 1 to 4, defaults such as Seedream's 2048x2048).
 * A row's `source` says which of the two it was checked against, and what was
 * not found in either (then the value is the SDK type's, or marked assumed).
 */

export type ImageField = 'image_url' | 'image_urls';

/** How a model is told its output size. */
export type FalSizeKnob =
  /** An enum of tiers, e.g. `resolution: "2K"`. */
  | { readonly param: 'resolution'; readonly values: readonly string[] }
  /** `image_size: {width, height}`; the pixel count must fall within the bounds. */
  | {
      readonly param: 'image_size';
      readonly minPixels: number;
      readonly maxPixels: number;
      readonly minSide?: number;
      readonly maxSide?: number;
    }
  /** FLUX.1 Kontext [dev]: `resolution_mode: "match_input"` keeps the input's size. */
  | { readonly param: 'resolution_mode' };

/** How a model is told its aspect ratio. */
export type FalAspectKnob =
  | { readonly param: 'aspect_ratio' | 'resolution_mode'; readonly values: readonly string[] }
  /** Any ratio, through `image_size: {width, height}`. */
  | { readonly param: 'image_size' };

export interface FalModel {
  readonly endpoint: string;
  readonly name: string;
  readonly field: ImageField;
  /** Images one request may carry, input and references together. */
  readonly maxImages: number;
  readonly size?: FalSizeKnob;
  readonly aspect?: FalAspectKnob;
  /** Takes `num_images`; `max` when fal states it. */
  readonly numImages?: { readonly max?: number };
  readonly seed: boolean;
  /** Values of `output_format`; empty when the model has none. */
  readonly outputFormats: readonly string[];
  /** Its safety fields, as named in its schema (FrameForge leaves them at fal's defaults). */
  readonly safety: readonly string[];
  /** Why fal calls it legacy, when it does. */
  readonly legacy?: string;
  /** Longest input edge worth uploading. */
  readonly maxEdge: number;
  readonly source: string;
}

const MP = 1024 * 1024;
const page = (endpoint: string): string => `https://fal.ai/models/${endpoint}/llms.txt`;
const SDK = '@fal-ai/client 1.10.1 endpoints.d.ts';

const JPEG_PNG = ['jpeg', 'png'] as const;
const ALL_FORMATS = ['jpeg', 'png', 'webp'] as const;
const NANO_RATIOS = ['auto', '21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16'] as const;
const NANO_2_RATIOS = [...NANO_RATIOS, '4:1', '1:4', '8:1', '1:8'] as const;
const KONTEXT_RATIOS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21'] as const;
const KONTEXT_DEV_MODES = ['match_input', '1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;
const BY_SIZE = { param: 'image_size' } as const;
/** FLUX.2 [dev]/flash/turbo/klein: "width and height must be between 512 and 2048 pixels". */
const FLUX2_DEV_SIZE = { param: 'image_size', minPixels: 512 * 512, maxPixels: 2048 * 2048, minSide: 512, maxSide: 2048 } as const;

function nano(endpoint: string, extra: Partial<FalModel> & Pick<FalModel, 'name' | 'source'>): FalModel {
  return {
    endpoint, field: 'image_urls', maxImages: 10, aspect: { param: 'aspect_ratio', values: NANO_RATIOS },
    numImages: { max: 4 }, seed: true, outputFormats: ALL_FORMATS, safety: ['safety_tolerance'], maxEdge: 3072, ...extra,
  };
}

function kontextPro(endpoint: string, name: string, field: ImageField): FalModel {
  return {
    endpoint, name, field, maxImages: field === 'image_url' ? 1 : 4, aspect: { param: 'aspect_ratio', values: KONTEXT_RATIOS },
    numImages: { max: 4 }, seed: true, outputFormats: JPEG_PNG, safety: ['safety_tolerance'], maxEdge: 2048,
    legacy: 'FLUX.1 generation; fal hosts FLUX.2 [pro] edit (fal-ai/flux-2-pro/edit) as its successor',
    source: `${page(endpoint)} (num_images 1-4, aspect_ratio enum); ${SDK}. The page in the stored corpus carries no "legacy" label: flagged as the issue asks, after FLUX.2's release. Multi: image count not stated, 4 assumed`,
  };
}

function seedream(endpoint: string, name: string, size: FalSizeKnob, source: string, seed = true): FalModel {
  return {
    endpoint, name, field: 'image_urls', maxImages: 10, size, aspect: BY_SIZE, numImages: { max: 6 }, seed,
    outputFormats: [], safety: ['enable_safety_checker'], maxEdge: 4096, source,
  };
}

function flux2(endpoint: string, name: string, extra: Partial<FalModel> = {}): FalModel {
  return {
    endpoint, name, field: 'image_urls', maxImages: 4, size: FLUX2_DEV_SIZE, aspect: BY_SIZE, numImages: {}, seed: true,
    outputFormats: ALL_FORMATS, safety: ['enable_safety_checker'], maxEdge: 2048,
    source: `${SDK} ("A maximum of 4 images", "width and height must be between 512 and 2048"); page not in the stored corpus`, ...extra,
  };
}

function flux2Pro(endpoint: string, name: string, checked = ''): FalModel {
  return {
    endpoint, name, field: 'image_urls', maxImages: 4,
    size: { param: 'image_size', minPixels: 512 * 512, maxPixels: 4 * MP }, aspect: BY_SIZE, seed: true,
    outputFormats: JPEG_PNG, safety: ['enable_safety_checker', 'safety_tolerance'], maxEdge: 2048,
    source: `${checked ? `${checked} (image_size default auto); ` : ''}${SDK} (image_size default auto, no num_images). Image count and pixel bounds not stated; 4 images and 4 MP assumed`,
  };
}

function qwen2(endpoint: string, name: string, checked = ''): FalModel {
  return {
    endpoint, name, field: 'image_urls', maxImages: 3,
    size: { param: 'image_size', minPixels: 512 * 512, maxPixels: 2048 * 2048 }, aspect: BY_SIZE, numImages: {}, seed: true,
    outputFormats: ALL_FORMATS, safety: ['enable_safety_checker'], maxEdge: 2048,
    source: `${checked ? `${checked} (image_urls); ` : ''}${SDK} ("1-3 images required", "Total number of pixels must be between 512x512 and 2048x2048"; without image_size the LAST input's size is used)`,
  };
}

function qwenPlus(endpoint: string, name: string, checked = ''): FalModel {
  return {
    endpoint, name, field: 'image_urls', maxImages: 3,
    size: { param: 'image_size', minPixels: 512 * 512, maxPixels: 2048 * 2048 }, aspect: BY_SIZE, numImages: {}, seed: true,
    outputFormats: ALL_FORMATS, safety: ['enable_safety_checker'], maxEdge: 2048,
    source: `${checked ? `${checked}; ` : ''}${SDK} ("If None, uses the input image dimensions"). Image count and pixel bounds not stated; 3 images (Qwen-Image-Edit-2509's multi-image design) and 512²-2048² assumed`,
  };
}

export const FAL_MODELS: readonly FalModel[] = [
  nano('fal-ai/nano-banana-2/edit', {
    name: 'Nano Banana 2 (Gemini 3.1 Flash Image)', maxImages: 14,
    size: { param: 'resolution', values: ['0.5K', '1K', '2K', '4K'] }, aspect: { param: 'aspect_ratio', values: NANO_2_RATIOS },
    maxEdge: 4096,
    source: `${page('fal-ai/nano-banana-2/edit')} (num_images 1-4, aspect_ratio incl. 4:1 1:4 8:1 1:8, resolution default 1K, 0.5K billed 0.75x); ${SDK}. Image count not stated: Gemini's 14`,
  }),
  nano('fal-ai/nano-banana-pro/edit', {
    name: 'Nano Banana Pro (Gemini 3 Pro Image)', maxImages: 14,
    size: { param: 'resolution', values: ['1K', '2K', '4K'] }, maxEdge: 4096,
    source: `https://fal.ai/models/fal-ai/nano-banana-pro/edit/api (image_urls); ${SDK} (resolution 1K/2K/4K default 1K, aspect_ratio enum); provider-protocols B.8. Image count not stated: Gemini's 14`,
  }),
  nano('fal-ai/nano-banana/edit', {
    name: 'Nano Banana (Gemini 2.5 Flash Image)',
    source: `${SDK} (no size knob); provider-protocols B.8 (num_images 1-4). Image count not stated: 10 kept`,
  }),
  nano('fal-ai/gemini-25-flash-image/edit', {
    name: 'Gemini 2.5 Flash Image (same model as nano-banana/edit)',
    source: 'provider-protocols B.8 (= fal-ai/nano-banana/edit)',
  }),
  seedream('fal-ai/bytedance/seedream/v4/edit', 'Seedream 4.0 edit',
    { param: 'image_size', minPixels: 921_600, maxPixels: 4096 * 4096 },
    `${page('fal-ai/bytedance/seedream/v4/edit')} (image_size default {"height":2048,"width":2048}, "minimum total image area is 921600 pixels", num_images 1-6, "up to 10 image inputs"); max 4096x4096 from the v4 text-to-image schema`),
  seedream('fal-ai/bytedance/seedream/v4.5/edit', 'Seedream 4.5 edit',
    { param: 'image_size', minPixels: 2560 * 1440, maxPixels: 4096 * 4096 },
    `https://fal.ai/docs/model-api-reference/image-generation-api/bytedance-seedream-v4.5 (image_size presets or custom, "total number of pixels must be between 2560x1440 and 4096x4096", num_images 1-6, "up to 10 image inputs"); ${SDK}`),
  seedream('fal-ai/bytedance/seedream/v5/lite/edit', 'Seedream 5.0 Lite edit',
    { param: 'image_size', minPixels: 2560 * 1440, maxPixels: 3072 * 3072 },
    `${page('fal-ai/bytedance/seedream/v5/lite/edit')} (image_size default auto_2K, "Total pixels must be between 2560x1440 and 3072x3072", num_images 1-6); ${SDK} (no seed, "up to 10 image inputs")`,
    false),
  qwen2('fal-ai/qwen-image-2/edit', 'Qwen-Image 2.0 edit', 'https://fal.ai/models/fal-ai/qwen-image-2/edit/api'),
  qwen2('fal-ai/qwen-image-2/pro/edit', 'Qwen-Image 2.0 Pro edit'),
  qwenPlus('fal-ai/qwen-image-edit-2511', 'Qwen-Image-Edit 2511', 'https://fal.ai/learn/devs/qwen-image-edit-2511-developer-guide (fal\'s guide to the endpoint)'),
  qwenPlus('fal-ai/qwen-image-edit-plus', 'Qwen-Image-Edit Plus (2509)'),
  {
    endpoint: 'fal-ai/qwen-image-edit', name: 'Qwen-Image-Edit (first release)', field: 'image_url', maxImages: 1,
    size: { param: 'image_size', minPixels: 512 * 512, maxPixels: 2048 * 2048 }, aspect: BY_SIZE, numImages: {}, seed: true,
    outputFormats: JPEG_PNG, safety: ['enable_safety_checker'], maxEdge: 2048,
    legacy: 'superseded by Qwen-Image-Edit 2509/2511 and Qwen-Image 2.0 edit on fal',
    source: `${page('fal-ai/qwen-image-edit')} (image_size, num_images 1-4); ${SDK} (image_url, image_size); pixel bounds not stated, 512²-2048² assumed. No fal "legacy" label found: flagged because later releases exist`,
  },
  flux2('fal-ai/flux-2/edit', 'FLUX.2 [dev] edit'),
  flux2('fal-ai/flux-2/flash/edit', 'FLUX.2 [dev] flash edit'),
  flux2('fal-ai/flux-2/turbo/edit', 'FLUX.2 [dev] turbo edit'),
  flux2('fal-ai/flux-2/klein/4b/edit', 'FLUX.2 [klein] 4B edit'),
  flux2('fal-ai/flux-2/klein/9b/edit', 'FLUX.2 [klein] 9B edit'),
  flux2Pro('fal-ai/flux-2-pro/edit', 'FLUX.2 [pro] edit'),
  flux2Pro('fal-ai/flux-2-flex/edit', 'FLUX.2 [flex] edit', page('fal-ai/flux-2-flex/edit')),
  flux2Pro('fal-ai/flux-2-max/edit', 'FLUX.2 [max] edit', page('fal-ai/flux-2-max/edit')),
  {
    endpoint: 'fal-ai/flux-kontext/dev', name: 'FLUX.1 Kontext [dev]', field: 'image_url', maxImages: 1,
    size: { param: 'resolution_mode' }, aspect: { param: 'resolution_mode', values: KONTEXT_DEV_MODES },
    numImages: {}, seed: true, outputFormats: JPEG_PNG, safety: ['enable_safety_checker'], maxEdge: 2048,
    source: `https://fal.ai/models/fal-ai/flux-kontext/dev/api (image_url); ${SDK} (resolution_mode auto | match_input | ratios)`,
  },
  kontextPro('fal-ai/flux-pro/kontext', 'FLUX.1 Kontext [pro]', 'image_url'),
  kontextPro('fal-ai/flux-pro/kontext/max', 'FLUX.1 Kontext [max]', 'image_url'),
  kontextPro('fal-ai/flux-pro/kontext/multi', 'FLUX.1 Kontext [pro] multi', 'image_urls'),
  {
    endpoint: 'fal-ai/flux/dev/image-to-image', name: 'FLUX.1 [dev] image-to-image', field: 'image_url', maxImages: 1,
    numImages: {}, seed: true, outputFormats: JPEG_PNG, safety: ['enable_safety_checker'], maxEdge: 2048,
    source: `https://fal.ai/models/fal-ai/flux/dev/image-to-image/api (image_url, prompt); ${SDK} (image_url, strength, no size or ratio: the output follows the input); provider-protocols B.8`,
  },
];

/**
 * Text-to-image endpoints: they take no image, so an "edit" through them would
 * ignore the photo. `editVia` is the sibling FrameForge edits through instead
 * (with a notice); without it the id is refused before any upload, naming
 * `suggest`. Each pair was checked in the SDK's endpoint list (both ids exist).
 */
export interface FalTextToImage {
  readonly endpoint: string;
  readonly editVia?: string;
  readonly suggest: string;
}

export const FAL_TEXT_TO_IMAGE: readonly FalTextToImage[] = [
  // The design's own example (`--provider fal:fal-ai/flux/dev`): kept working through its image-to-image sibling.
  { endpoint: 'fal-ai/flux/dev', editVia: 'fal-ai/flux/dev/image-to-image', suggest: 'fal-ai/flux/dev/image-to-image' },
  { endpoint: 'fal-ai/nano-banana', suggest: 'fal-ai/nano-banana/edit' },
  { endpoint: 'fal-ai/nano-banana-2', suggest: 'fal-ai/nano-banana-2/edit' },
  { endpoint: 'fal-ai/nano-banana-pro', suggest: 'fal-ai/nano-banana-pro/edit' },
  { endpoint: 'fal-ai/bytedance/seedream/v4/text-to-image', suggest: 'fal-ai/bytedance/seedream/v4/edit' },
  { endpoint: 'fal-ai/bytedance/seedream/v4.5/text-to-image', suggest: 'fal-ai/bytedance/seedream/v4.5/edit' },
  { endpoint: 'fal-ai/bytedance/seedream/v5/lite/text-to-image', suggest: 'fal-ai/bytedance/seedream/v5/lite/edit' },
  { endpoint: 'fal-ai/qwen-image', suggest: 'fal-ai/qwen-image-edit-2511' },
  { endpoint: 'fal-ai/qwen-image-2/text-to-image', suggest: 'fal-ai/qwen-image-2/edit' },
  { endpoint: 'fal-ai/qwen-image-2/pro/text-to-image', suggest: 'fal-ai/qwen-image-2/pro/edit' },
  { endpoint: 'fal-ai/flux-2', suggest: 'fal-ai/flux-2/edit' },
  { endpoint: 'fal-ai/flux-2-pro', suggest: 'fal-ai/flux-2-pro/edit' },
  { endpoint: 'fal-ai/flux-2-flex', suggest: 'fal-ai/flux-2-flex/edit' },
  { endpoint: 'fal-ai/flux-2-max', suggest: 'fal-ai/flux-2-max/edit' },
  { endpoint: 'fal-ai/flux-pro/kontext/text-to-image', suggest: 'fal-ai/flux-pro/kontext' },
  { endpoint: 'fal-ai/flux-pro/kontext/max/text-to-image', suggest: 'fal-ai/flux-pro/kontext/max' },
];

export function falModel(endpoint: string): FalModel | undefined {
  return FAL_MODELS.find((m) => m.endpoint === endpoint);
}

export function falTextToImage(endpoint: string): FalTextToImage | undefined {
  return FAL_TEXT_TO_IMAGE.find((m) => m.endpoint === endpoint);
}
