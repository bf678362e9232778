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

/** Keyed `<kind>:<model>`: `google:<Gemini model id>`, `fal:<endpoint id>`. */
export const PRICES: Readonly<Record<string, PriceRow>> = {
  // 1290 image output tokens at $30 per million tokens = $0.039 an image.
  'google:gemini-2.5-flash-image': {
    usd: 0.039,
    source: 'https://therouter.ai/models/google--gemini-2.5-flash-image-preview ("Image output tokens are $30/MTok"), 1290 tokens an image per https://blog.laozhang.ai/?p=1375',
    checked: '2026-11-30',
  },
  'fal:fal-ai/nano-banana-2/edit': {
    usd: 0.08,
    source: 'https://fal.ai/models/fal-ai/nano-banana-2/edit/llms.txt ("$0.08 per image", 1K output)',
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
