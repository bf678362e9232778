/**
 * One batch item, whoever edits it: skip it when a whole result is already
 * there (resume), read the input, hand it to the item runner, write the
 * result atomically. The runner is the only part that differs between a
 * local batch (the core edit, see local-runner.ts) and a queued one.
 */
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import type { EditOutcome, ImageInput } from '../edit.js';
import { toFrameForgeError, type FrameForgeError } from '../errors.js';
import { sniffFormat } from '../image-format.js';
import { defaultOutputFormat, formatFromExtension, type OutputFormat } from '../images.js';
import { readInputFile } from '../read-input.js';
import type { RetryInfo } from '../retry.js';
import type { ItemRef } from './events.js';
import { checkExistingOutput } from './existing-output.js';

export type EditItem = ItemRef;

/** What a runner hands back: the result bytes and what the report and manifest say about them. */
export type ItemEdit = Pick<EditOutcome, 'data' | 'providerId' | 'model' | 'mock' | 'fallback' | 'warnings' | 'attempts' | 'requestId' | 'compare'> & {
  cached?: boolean;
  costUsd?: number;
  /** Every variation, the first being `data` and `compare`; absent: just those. */
  outputs?: EditOutcome['outputs'];
};

export interface ItemRunRequest {
  item: EditItem;
  image: ImageInput;
  format: OutputFormat;
  signal: AbortSignal;
  onRetry: (info: RetryInfo) => void;
}

/** Edits one image and returns the result; the prompt, references and options are the runner's own. */
export type ItemRunner = (request: ItemRunRequest) => Promise<ItemEdit>;

export type ItemResult =
  | {
      status: 'done';
      item: EditItem;
      providerId: string;
      model: string;
      mock: boolean;
      /** Answered by the result cache: no provider call. */
      cached?: boolean;
      /** Estimated dollars paid for the edit (0 for a cache hit); undefined when the price is unknown. */
      costUsd?: number;
      fallback?: string;
      warnings: string[];
      attempts: number;
      durationMs: number;
      requestId?: string;
      /** Set when an empty or truncated leftover at the output path was replaced. */
      replaced?: string;
      /** The files written, one per variation (only with --variations above 1). */
      outputs?: string[];
    }
  | { status: 'skipped'; item: EditItem; reason: string }
  | { status: 'failed'; item: EditItem; error: FrameForgeError; attempts: number; durationMs: number };

export interface ItemContext {
  run: ItemRunner;
  /** `--format`; else the output's extension decides, else the input's format. */
  format?: OutputFormat;
  force: boolean;
  cwd: string;
  signal: AbortSignal;
  onRetry?: (item: EditItem, info: RetryInfo) => void;
  /** Outputs per item (`--variations`); 1 or absent: one, at the item's output path. */
  variations?: number;
}

/** Edits one item: the unit a batch runs many of. Never throws; the result says what happened. */
export async function runItem(item: EditItem, ctx: ItemContext): Promise<ItemResult> {
  const started = performance.now();
  const variations = ctx.variations ?? 1;
  const outputs = variationPaths(item.output, variations);
  const outputPaths = outputs.map((output) => path.resolve(ctx.cwd, output));
  let attempts = 1;
  try {
    // Resume: whole images at every output are a finished item; an empty or cut-off one, or a
    // missing variation, means the item is redone (its earlier variations come from the cache).
    const existing = ctx.force ? undefined : await Promise.all(outputPaths.map((file) => checkExistingOutput(file)));
    if (existing?.every((e) => e.state === 'valid')) return { status: 'skipped', item, reason: 'output exists' };
    // Not an image at all: not a leftover of ours but someone's file, so it is left alone.
    const foreign = existing?.findIndex((e) => e.state === 'foreign') ?? -1;
    if (foreign >= 0) {
      const which = variations > 1 ? ` (${outputs[foreign]})` : '';
      return { status: 'skipped', item, reason: `output exists and is not an image${which}` };
    }
    const invalid = existing?.map((e, i) => (e.state === 'invalid' ? `${variations > 1 ? `${outputs[i]} ` : ''}${e.reason}` : undefined)).filter((r) => r !== undefined) ?? [];
    const replaced = invalid.length > 0 ? invalid.join('; ') : undefined;
    const image = await readInputFile(path.resolve(ctx.cwd, item.input), item.input);
    const outcome = await ctx.run({
      item,
      image: { data: image.data, name: item.input },
      format: ctx.format ?? formatFromExtension(item.output) ?? defaultOutputFormat(sniffFormat(image.data) ?? 'png'),
      signal: ctx.signal,
      onRetry: (info) => {
        attempts = info.attempt + 1;
        ctx.onRetry?.(item, info);
      },
    });
    // No abort check here: a result that arrived is paid for, and writing it takes milliseconds.
    const results = outcome.outputs ?? [{ data: outcome.data, ...(outcome.compare ? { compare: outcome.compare } : {}) }];
    for (const [i, result] of results.slice(0, variations).entries()) {
      // What a rerun finds at a variation's path (a leftover, or the variations of a run cut short) is redone.
      await writeFileAtomic(outputPaths[i]!, result.data, { overwrite: ctx.force || existing?.[i]?.state !== 'missing' });
      if (result.compare) {
        const comparePath = path.resolve(ctx.cwd, variationPaths(compareOutput(item), variations)[i]!);
        // Derived from a result we just wrote, so a leftover from an interrupted run is ours to replace.
        await writeFileAtomic(comparePath, result.compare, { overwrite: true });
      }
    }
    return {
      status: 'done',
      item,
      providerId: outcome.providerId,
      model: outcome.model,
      mock: outcome.mock,
      ...(outcome.cached ? { cached: true } : {}),
      ...(outcome.costUsd !== undefined ? { costUsd: outcome.costUsd } : {}),
      ...(outcome.fallback ? { fallback: outcome.fallback } : {}),
      warnings: replaced ? [`replaced ${item.output}: ${replaced}`, ...outcome.warnings] : outcome.warnings,
      attempts: outcome.attempts,
      durationMs: Math.round(performance.now() - started),
      ...(outcome.requestId ? { requestId: outcome.requestId } : {}),
      ...(replaced ? { replaced } : {}),
      ...(variations > 1 ? { outputs } : {}),
    };
  } catch (error) {
    return { status: 'failed', item, error: toFrameForgeError(error), attempts, durationMs: Math.round(performance.now() - started) };
  }
}

/**
 * The files of an item's variations: its output path for one, else `-1` ...
 * `-N` before the extension (`room.edited.jpg` -> `room.edited-1.jpg`).
 */
export function variationPaths(output: string, variations: number): string[] {
  if (variations <= 1) return [output];
  const ext = path.extname(output);
  const stem = output.slice(0, output.length - ext.length);
  return Array.from({ length: variations }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/** Where `--compare` puts the before/after image: `room.compare.jpg` beside the output of `room.jpg`. */
export function compareOutput(item: EditItem): string {
  const base = path.basename(item.input).replace(/\.[^.]*$/, '');
  return path.join(path.dirname(item.output), `${base}.compare.jpg`);
}
