/**
 * The estimate `--dry-run` prints: the price of each item's edit at the size
 * tier the edit would ask for. An explicit `--size` is that tier; `auto`
 * depends on the input's size, so its header is read, and only when the
 * model's price differs by size (a flat price needs no file opened).
 */
import { inspectImage } from '../images.js';
import { resolveTier, uprightSize, type SizeRequest, type SizeTier } from '../output-size.js';
import { readInputFile } from '../read-input.js';
import { priceFor, priceRow, type PriceRow } from './prices.js';
import type { ProviderKind } from '../../providers/types.js';

export interface EstimateRequest {
  kind: ProviderKind;
  model: string;
  size: SizeRequest;
  maxInputPixels: number;
  /** Outputs per input (`--variations`). */
  variations?: number;
}

function isFlat(row: PriceRow): boolean {
  return typeof row.usd === 'number';
}

async function tierOf(file: string, request: EstimateRequest): Promise<SizeTier | undefined> {
  if (request.size !== 'auto') return request.size;
  try {
    const { data } = await readInputFile(file, file);
    const image = await inspectImage(data, file, request.maxInputPixels);
    const { width, height } = uprightSize(image.width, image.height, image.orientation);
    return resolveTier('auto', width, height);
  } catch {
    // The edit itself will say what is wrong with the file; it costs nothing.
    return undefined;
  }
}

/** Estimated dollars for editing `file`; undefined when the price is unknown. */
export async function estimateEdit(file: string, request: EstimateRequest): Promise<number | undefined> {
  const row = priceRow(request.kind, request.model);
  if (!row) return undefined;
  const tier = isFlat(row) ? '1K' : await tierOf(file, request);
  if (!tier) return 0;
  const price = priceFor(request.kind, request.model, tier);
  return price ? price.usd * (request.variations ?? 1) : undefined;
}
