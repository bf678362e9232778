/**
 * What FrameForge knows about Gemini image models: which ids are current, what
 * each takes (output sizes, aspect ratios, images per request), and which are
 * retired and by what. The `google` provider, the registry's aliases, the
 * README table (docs/models.md, checked by a test) and the price table of
 * other features read these rows; nothing else hard-codes a Gemini model id.
 *
 * Sources, each checked with the search tool on 2026-11-30:
 * - DEPRECATIONS: https://ai.google.dev/gemini-api/docs/deprecations (model, release
 *   date, shutdown date, replacement; gemini-2.5-flash-image "October 2, 2026").
 * - MODELS: https://ai.google.dev/models and https://firebase.google.com/docs/ai-logic/models
 *   (Nano Banana 2 = gemini-3.1-flash-image, Nano Banana Pro = gemini-3-pro-image,
 *   Nano Banana 2 Lite = gemini-3.1-flash-lite-image, all "Stable").
 * - LITE: https://ai.google.dev/gemini-api/docs/models/gemini-3.1-flash-lite-image
 *   ("supported image_size values: 1024px (1K); 2K and 4K not supported"; 14 aspect ratios).
 * - RATIOS: https://docs.cloud.google.com/gemini-enterprise-agent-platform/reference/rest/Shared.Types/AspectRatio
 *   (the ten classic ratios plus 1:4, 4:1, 1:8, 8:1) and the SDK's own typings (provider-protocols A.6).
 * - The 2026-06-25 shutdown of the two preview ids and their GA replacements
 *   (gemini-3-pro-image, gemini-3.1-flash-image) come from the reading of
 *   the deprecations page; the stored copy of that page predates the change, so
 *   the date is as the issue states it.
 * - Reference-image counts (14 in all; 3.1 Flash: 10 objects + 4 characters;
 *   3 Pro: 6 objects + 5 characters; 2.5 Flash Image works best with up to 3):
 *   Google's image-generation guide as quoted by https://invoke-ai.github.io/InvokeAI-7/users-guide/models/external-models/gemini/
 *   (the guide itself, ai.google.dev/gemini-api/docs/image-generation, is not in the stored corpora).
 * - Inline request size 20 MB: provider-protocols A.9 item 7 (docs).
 */

/** Output sizes Gemini's `imageConfig.imageSize` takes (uppercase K). */
export type GeminiImageSize = '512' | '1K' | '2K' | '4K';

export interface GeminiModel {
  readonly id: string;
  /** Google's marketing name. */
  readonly name: string;
  readonly status: 'stable' | 'preview' | 'deprecated' | 'shut-down';
  /** The announced (earliest) shutdown date, for deprecated and shut-down ids. */
  readonly shutdown?: string;
  /** What Google recommends instead. */
  readonly replacement?: string;
  /** `imageConfig.imageSize` values; empty = the model has no size knob (about 1K). */
  readonly imageSizes: readonly GeminiImageSize[];
  /** `imageConfig.aspectRatio` values. */
  readonly aspectRatios: readonly string[];
  /** Images one request may carry (the input plus references). */
  readonly maxImages: number;
  /** Past this many images Google says quality drops: a warning, not an error. */
  readonly recommendedImages: number;
  /** Google's limit on an inline request, base64 included. */
  readonly maxInlineBytes: number;
  /** The page the row was checked against. */
  readonly source: string;
}

const CLASSIC_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
/** 3.1 Flash Image adds the extreme ratios (RATIOS above). */
const FLASH_31_RATIOS = [...CLASSIC_RATIOS, '1:4', '4:1', '1:8', '8:1'] as const;
const MB = 1024 * 1024;
const INLINE = 20 * MB;
const DEPRECATIONS = 'https://ai.google.dev/gemini-api/docs/deprecations';

export const DEFAULT_GEMINI_MODEL = 'gemini-3.1-flash-image';
/** The model behind the `nano-banana-pro` alias. */
export const GEMINI_PRO_MODEL = 'gemini-3-pro-image';

export const GEMINI_MODELS: readonly GeminiModel[] = [
  {
    id: 'gemini-3.1-flash-image', name: 'Nano Banana 2', status: 'stable',
    imageSizes: ['512', '1K', '2K', '4K'], aspectRatios: FLASH_31_RATIOS,
    maxImages: 14, recommendedImages: 14, maxInlineBytes: INLINE,
    source: 'https://ai.google.dev/models (Nano Banana 2, Stable); firebase.google.com/docs/ai-logic/models (gemini-3.1-flash-image)',
  },
  {
    id: 'gemini-3-pro-image', name: 'Nano Banana Pro', status: 'stable',
    imageSizes: ['1K', '2K', '4K'], aspectRatios: CLASSIC_RATIOS,
    maxImages: 14, recommendedImages: 11, maxInlineBytes: INLINE,
    source: 'https://ai.google.dev/models (Nano Banana Pro, Stable); firebase.google.com/docs/ai-logic/models (gemini-3-pro-image)',
  },
  {
    id: 'gemini-3.1-flash-lite-image', name: 'Nano Banana 2 Lite', status: 'stable',
    imageSizes: ['1K'], aspectRatios: FLASH_31_RATIOS,
    maxImages: 14, recommendedImages: 14, maxInlineBytes: INLINE,
    source: 'https://ai.google.dev/gemini-api/docs/models/gemini-3.1-flash-lite-image (1K only; 14 ratios)',
  },
  {
    id: 'gemini-2.5-flash-image', name: 'Nano Banana', status: 'deprecated', shutdown: '2026-10-02',
    replacement: 'gemini-3.1-flash-image',
    imageSizes: [], aspectRatios: CLASSIC_RATIOS,
    maxImages: 14, recommendedImages: 3, maxInlineBytes: INLINE,
    source: `${DEPRECATIONS} (released 2025-10-02, shutdown "October 2, 2026")`,
  },
  {
    id: 'gemini-3.1-flash-image-preview', name: 'Nano Banana 2 (preview)', status: 'shut-down', shutdown: '2026-06-25',
    replacement: 'gemini-3.1-flash-image',
    imageSizes: ['512', '1K', '2K', '4K'], aspectRatios: FLASH_31_RATIOS,
    maxImages: 14, recommendedImages: 14, maxInlineBytes: INLINE,
    source: `${DEPRECATIONS} (preview; shutdown date as stated in issue 9, newer than the stored page)`,
  },
  {
    id: 'gemini-3-pro-image-preview', name: 'Nano Banana Pro (preview)', status: 'shut-down', shutdown: '2026-06-25',
    replacement: 'gemini-3-pro-image',
    imageSizes: ['1K', '2K', '4K'], aspectRatios: CLASSIC_RATIOS,
    maxImages: 14, recommendedImages: 11, maxInlineBytes: INLINE,
    source: `${DEPRECATIONS} (preview; shutdown date as stated in issue 9, newer than the stored page)`,
  },
];

/**
 * What to assume for an id not in the table (a new model, a tuned one): the
 * current generation's knobs. Google answers an option a model lacks with a
 * 400 that FrameForge reports, so guessing forward costs one clear error.
 */
const UNKNOWN: Omit<GeminiModel, 'id'> = {
  name: 'unknown Gemini model', status: 'stable',
  imageSizes: ['1K', '2K', '4K'], aspectRatios: CLASSIC_RATIOS,
  maxImages: 14, recommendedImages: 14, maxInlineBytes: INLINE, source: 'none: not in the catalogue',
};

export function geminiModel(id: string): GeminiModel | undefined {
  const bare = id.startsWith('models/') ? id.slice('models/'.length) : id;
  return GEMINI_MODELS.find((m) => m.id === bare);
}

/** The row for `id`, or the assumptions for a model FrameForge does not know. */
export function geminiModelOrDefault(id: string): GeminiModel {
  return geminiModel(id) ?? { ...UNKNOWN, id };
}
