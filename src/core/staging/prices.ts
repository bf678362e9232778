/**
 * What one edit costs, per provider model, with where each price was read and
 * when. Prices change: a model without a row has an unknown price (shown as
 * such, never guessed), and `--max-cost` refuses to run it. No per-size rows
 * yet: the model catalogue's `--size` (issue 9) had not landed; a row here is
 * the price of the model's standard output size.
 */
import type { ProviderSpec } from '../../providers/provider-id.js';
import type { ProviderKind } from '../../providers/types.js';

export interface Price {
  /** US dollars per edited image. */
  readonly usd: number;
  readonly source: string;
  /** When the source was read (YYYY-MM-DD). */
  readonly checked: string;
}

/** Keyed `<kind>:<model>`: `google:<Gemini model id>`, `fal:<endpoint id>`. */
export const PRICES: Readonly<Record<string, Price>> = {
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

export function priceFor(kind: ProviderKind, model: string): Price | undefined {
  if (kind === 'mock') return { usd: 0, source: 'the offline mock provider', checked: '2026-11-30' };
  return PRICES[`${kind}:${model}`];
}

/** Dollars as a person reads them: $0.039, $1.17. */
export function formatUsd(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(3) : usd.toFixed(2)}`;
}

/** The price of a parsed provider id (`google` means its configured model). */
export function priceOf(spec: ProviderSpec): Price | undefined {
  return priceFor(spec.kind, spec.kind === 'google' ? spec.model : spec.kind === 'fal' ? spec.endpoint : 'mock');
}
