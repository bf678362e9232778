/**
 * What one edited image costs, per provider model and output size, with where
 * each price was read and when. Prices change: a model without a row, or a
 * size without a figure, has an unknown price (shown as such, never guessed),
 * and `--max-cost` refuses to run it. A row has one figure when the model
 * bills the same at every size (or takes no size), else one per size tier: the
 * tier FrameForge asks for (`--size`, DEFAULT_SIZE, `auto` resolved from the
 * input; see core/output-size.ts).
 */
import type { SizeTier } from '../output-size.js';
import type { ProviderSpec } from '../../providers/provider-id.js';
import type { ProviderKind } from '../../providers/types.js';

export interface PriceRow {
  /** US dollars per output image: one figure for every size, or one per size tier (missing: unknown). */
  readonly usd: number | Readonly<Partial<Record<SizeTier, number>>>;
  readonly source: string;
  /** When the source was read (YYYY-MM-DD). */
  readonly checked: string;
}

/** The price of one image at one size. */
export interface Price {
  readonly usd: number;
  readonly source: string;
  readonly checked: string;
}

const TIERS: readonly SizeTier[] = ['1K', '2K', '4K'];

/**
 * Gemini 3.1 Flash Image bills its output as image tokens at $60 per million:
 * 1120 tokens at 1K, 1680 at 2K, 2520 at 4K (= $0.067, $0.101, $0.151). The
 * stable id is priced as its preview was (no separate row found).
 */
const GEMINI_31_FLASH_IMAGE: PriceRow = {
  usd: { '1K': 0.067, '2K': 0.101, '4K': 0.151 },
  source:
    'https://ai.google.dev/gemini-api/docs/pricing as quoted by https://blog.laozhang.ai/en/posts/gemini-3-1-flash-image-preview ("$0.067 at 1K, $0.101 at 2K, and $0.151 at 4K") and https://xairouter.com/en/models/gemini-3.1-flash-image-preview ("$60.00 / 1M tokens"); tokens per size from https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/gemini/3-1-flash-image-preview',
  checked: '2026-11-30',
};

/** Gemini 3 Pro Image: the same price at 1K and 2K, more at 4K. */
const GEMINI_3_PRO_IMAGE: PriceRow = {
  usd: { '1K': 0.134, '2K': 0.134, '4K': 0.24 },
  source:
    'https://ai.google.dev/gemini-api/docs/pricing as quoted by https://blog.laozhang.ai/ru/posts/nano-banana-pro-api-guide (gemini-3-pro-image: "0.134 for 1K/2K and 0.24 for 4K") and https://www.aifreeapi.com/en/posts/gemini-3-pro-image-preview-pricing',
  checked: '2026-11-30',
};

/**
 * Keyed `<kind>:<model>`: `google:<Gemini model id>`, `fal:<endpoint id>`.
 * Unknown (no row, none found in the stored pages): gemini-3.1-flash-lite-image,
 * and the fal endpoints other than those below (Nano Banana Pro and Nano Banana
 * edit, Seedream 4.5 and 5, Qwen, FLUX.2, FLUX.1 Kontext [dev] and [max] ...).
 */
export const PRICES: Readonly<Record<string, PriceRow>> = {
  'google:gemini-3.1-flash-image': GEMINI_31_FLASH_IMAGE,
  'google:gemini-3.1-flash-image-preview': GEMINI_31_FLASH_IMAGE,
  'google:gemini-3-pro-image': GEMINI_3_PRO_IMAGE,
  'google:gemini-3-pro-image-preview': GEMINI_3_PRO_IMAGE,
  // 1290 image output tokens at $30 per million tokens = $0.039 an image; the model takes no size.
  'google:gemini-2.5-flash-image': {
    usd: 0.039,
    source: 'https://therouter.ai/models/google--gemini-2.5-flash-image-preview ("Image output tokens are $30/MTok"), 1290 tokens an image per https://blog.laozhang.ai/?p=1375',
    checked: '2026-11-30',
  },
  'fal:fal-ai/nano-banana-2/edit': {
    usd: { '1K': 0.08, '2K': 0.12, '4K': 0.16 },
    source: 'https://fal.ai/models/fal-ai/nano-banana-2/edit/llms.txt ("$0.08 per image"; "2K and 4K outputs will be charged at 1.5 times and 2 times the standard rate")',
    checked: '2026-11-30',
  },
  'fal:fal-ai/bytedance/seedream/v4/edit': {
    usd: 0.03,
    source: 'https://fal.ai/models/fal-ai/bytedance/seedream/v4/edit/llms.txt ("$0.03 per images", one price for every size)',
    checked: '2026-11-30',
  },
  'fal:fal-ai/flux-pro/kontext': {
    usd: 0.04,
    source: 'https://fal.ai/models/fal-ai/flux-pro/kontext/llms.txt ("$0.04 per images")',
    checked: '2026-11-30',
  },
};

const MOCK: PriceRow = { usd: 0, source: 'the offline mock provider', checked: '2026-11-30' };

export function priceRow(kind: ProviderKind, model: string): PriceRow | undefined {
  return kind === 'mock' ? MOCK : PRICES[`${kind}:${model}`];
}

/** The price of one image from this model at this size tier; undefined when unknown. */
export function priceFor(kind: ProviderKind, model: string, tier: SizeTier): Price | undefined {
  const row = priceRow(kind, model);
  if (!row) return undefined;
  const usd = typeof row.usd === 'number' ? row.usd : row.usd[tier];
  return usd === undefined ? undefined : { usd, source: row.source, checked: row.checked };
}

/** Every size's figure of a row, for `providers --json`: `{1K, 2K, 4K}` (a flat row gives the same three). */
export function pricesBySize(row: PriceRow): Partial<Record<SizeTier, number>> {
  return Object.fromEntries(TIERS.flatMap((tier) => {
    const usd = typeof row.usd === 'number' ? row.usd : row.usd[tier];
    return usd === undefined ? [] : [[tier, usd]];
  }));
}

/** Dollars as a person reads them: $0.039, $1.17. */
export function formatUsd(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(3) : usd.toFixed(2)}`;
}

/** Sums of dollars without binary-fraction noise (0.1 + 0.2): rounded to a millionth. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** The model a parsed provider id bills as (`google` means its configured model). */
export function billedModel(spec: ProviderSpec): { kind: ProviderKind; model: string } {
  return { kind: spec.kind, model: spec.kind === 'google' ? spec.model : spec.kind === 'fal' ? spec.endpoint : 'mock' };
}

/** The price row of a parsed provider id. */
export function priceRowOf(spec: ProviderSpec): PriceRow | undefined {
  const { kind, model } = billedModel(spec);
  return priceRow(kind, model);
}
