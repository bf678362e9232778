/**
 * The edit pipeline, shared by `frameforge edit`, batch runs and `POST /api/edit`:
 * inspect every image, prepare it for the provider, call the provider under one
 * deadline with retries, and encode the result. It reads no files and writes
 * none: callers bring bytes and decide where the result goes.
 */
import type { CallLimit } from './call-limit.js';
import type { Config } from './config.js';
import { EditDeadline } from './edit-deadline.js';
import { FrameForgeError, isAbortError, toFrameForgeError } from './errors.js';
import {
  defaultOutputFormat,
  encodeOutputOf,
  firstFrameWarning,
  inspectInput,
  prepareForProvider,
  type InspectedImage,
  type OutputFormat,
} from './images.js';
import { resolveTier, uprightSize } from './output-size.js';
import { withRetry, type RetryInfo } from './retry.js';
import { makeCompare } from './staging/compare.js';
import { addDisclosure, disclosureParts, disclosurePieces } from './staging/disclosure.js';
import { addLabel, type LabelOptions } from './staging/label.js';
import { priceFor } from './staging/prices.js';
import type { ResolvedProvider } from '../providers/registry.js';
import type { EditOptions, EditResult, ProviderImage } from '../providers/types.js';
import { cacheKey, resultCache, sha256 } from './cache/result-cache.js';
import type { MaybePieces } from './image-pieces.js';

export interface ImageInput {
  readonly data: Buffer;
  /**
   * The same bytes as the pieces an upload came in (image-pieces.ts: `data`
   * then joins them on first read). An upright JPEG is checked, stripped
   * and answered by the mock on its pieces, never joined.
   */
  readonly pieces?: readonly Buffer[];
  /** Shown in errors: the path as the user gave it, or the upload's file name. */
  readonly name: string;
}

export interface EditJob {
  /** The image to edit. */
  readonly image: ImageInput;
  /** Reference images sent along (`--with`, or further uploads). */
  readonly references?: readonly ImageInput[];
  readonly prompt?: string;
  /** Output format; by default the input's (JPEG, PNG, WebP), else PNG. */
  readonly format?: OutputFormat;
  readonly options?: EditOptions;
  /** Write the "virtually staged" XMP disclosure into the result (default true; `--no-disclosure`). */
  readonly disclosure?: boolean;
  /** A visible label drawn into the result (`--label`). */
  readonly label?: LabelOptions;
  /** Also make the before/after image (`--compare`): EditOutcome.compare. */
  readonly compare?: boolean;
  /**
   * How many different results to make, 1 to 4 (`--variations`). A model that
   * returns several images per call (fal's `num_images`) is called once; any
   * other once per variation, all at once.
   */
  readonly variations?: number;
  /** Runs each provider call (a batch's shared limit of calls in flight); absent: no limit. */
  readonly limit?: CallLimit;
  /** Use the result cache (default true; `--no-cache`). The mock is never cached. */
  readonly cache?: boolean;
  /** Ctrl-C, a closed connection. The edit deadline is added here. */
  readonly signal?: AbortSignal;
  readonly onRetry?: (info: RetryInfo) => void;
  readonly onProgress?: (message: string) => void;
  /**
   * Called just before the provider is paid (never for a cache hit) with the
   * estimated dollars of the call, undefined when the price is unknown. It may
   * throw (`--max-cost`: budget_exceeded), and then nothing is called.
   */
  readonly reserve?: (usd: number | undefined) => void;
}

/** One finished output image, and its before/after when the job asked for it. */
export interface EditOutput {
  /** The image (made from `chunks` on first read). */
  readonly data: Buffer;
  /** The same bytes as pieces: the image and the disclosure segment put into it (see EditOutcome.chunks). */
  readonly chunks: readonly Buffer[];
  readonly compare?: Buffer;
}

export interface EditOutcome {
  /** The result (made from `chunks` on first read). */
  readonly data: Buffer;
  /**
   * The same bytes as pieces, in order: the image and the disclosure segment
   * put into it. A server writes them as they are and never needs `data`,
   * which would copy the whole image once more (issue 15).
   */
  readonly chunks: readonly Buffer[];
  readonly mimeType: string;
  readonly format: OutputFormat;
  readonly prompt: string;
  readonly providerId: string;
  readonly model: string;
  readonly warnings: string[];
  readonly attempts: number;
  readonly requestId?: string;
  readonly text?: string;
  readonly mock: boolean;
  readonly fallback?: 'mock';
  /** The before/after JPEG, when the job asked for it (of the first variation). */
  readonly compare?: Buffer;
  /** Every variation, in order (one unless the job asked for several); the first is `data` and `compare`. */
  readonly outputs: readonly EditOutput[];
  /** True when the result cache answered: no provider call was made (attempts is 0). */
  readonly cached: boolean;
  /** Estimated US dollars this edit cost: 0 for a cache hit or the mock; undefined when the price is unknown. */
  readonly costUsd?: number;
}

/** The prompt to send: trimmed, and the configured default when empty. */
export function effectivePrompt(prompt: string | undefined, config: Config): string {
  const trimmed = prompt?.trim();
  return trimmed ? trimmed : config.defaultPrompt;
}

/** Reads headers of every image and refuses bad ones, before any provider is called. */
export async function inspectAll(job: EditJob, config: Config): Promise<InspectedImage[]> {
  const inputs = [job.image, ...(job.references ?? [])];
  return Promise.all(inputs.map((input) => inspectInput(input, config.maxInputPixels)));
}

/** The size tier to ask for and the framing to keep, from the input as the user gave it (before any scaling). */
function outputFor(input: InspectedImage, job: EditJob, config: Config): NonNullable<EditOptions['output']> {
  const { width, height } = uprightSize(input.width, input.height, input.orientation);
  const request = job.options?.size ?? config.defaultSize;
  return { tier: resolveTier(request, width, height), asked: request !== 'auto', width, height };
}

/** The most variations one edit makes (`--variations`, form field `variations`). */
export const MAX_VARIATIONS = 4;

/** Refuses a variation count outside 1..MAX_VARIATIONS, naming where it came from. */
export function checkVariations(value: number, subject = 'variations'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_VARIATIONS) {
    throw new FrameForgeError('invalid_option', `${subject} must be a whole number from 1 to ${MAX_VARIATIONS}, got ${String(value)}.`, { subject });
  }
  return value;
}

/** One provider call of an edit: which of its calls it is, how many images it asks for, its options and cache key. */
interface PlannedCall {
  readonly index: number;
  readonly count: number;
  readonly options: EditOptions;
  readonly key?: string;
}

/** One image a call gave, in pieces when the provider answered so (the mock, with an upload's pieces). */
type ResultImage = MaybePieces & { readonly mimeType: string };

/** What one call gave: its images (at most `count`), and whether the cache answered it. */
interface CallResult {
  readonly result: EditResult;
  readonly images: readonly ResultImage[];
  readonly attempts: number;
  readonly hit: boolean;
}

export async function editImage(resolved: ResolvedProvider, job: EditJob, config: Config): Promise<EditOutcome> {
  const started: { deadline?: EditDeadline } = {};
  try {
    return await runEdit(resolved, job, config, started);
  } finally {
    // Every call the edit started has settled when it returns or throws (Promise.allSettled), so the deadline can go.
    started.deadline?.clear();
  }
}

async function runEdit(resolved: ResolvedProvider, job: EditJob, config: Config, started: { deadline?: EditDeadline }): Promise<EditOutcome> {
  const { provider } = resolved;
  const variations = checkVariations(job.variations ?? 1);
  const { numImages: _ignored, ...callerOptions } = job.options ?? {};
  provider.validate?.(callerOptions);
  const inspected = await inspectAll(job, config);
  if (inspected.length > provider.limits.maxImages) {
    throw new FrameForgeError(
      'too_many_images',
      `${provider.id} takes at most ${provider.limits.maxImages} images per edit; got ${inspected.length}.`,
      { subject: 'images' },
    );
  }
  const prepared: ProviderImage[] = await Promise.all(
    inspected.map((image) => prepareForProvider(image, provider.limits.maxEdge, config.maxInputPixels)),
  );
  const prompt = effectivePrompt(job.prompt, config);
  const format = job.format ?? defaultOutputFormat(inspected[0]!.format);

  // The deadline counts from here, once the images are read and prepared.
  const deadline = (started.deadline = new EditDeadline(config.editTimeoutSeconds * 1000, job.signal));
  const { signal } = deadline;
  const baseOptions: EditOptions = { ...callerOptions, outputFormat: format, output: outputFor(inspected[0]!, job, config) };
  // The cache wraps each provider call, keyed by everything the call depends on (and per paying account).
  const cache = job.cache === false || provider.kind === 'mock' ? undefined : resultCache(config.cacheDir, config.cacheMaxMb);
  const imageHashes = cache ? prepared.map((image) => sha256(image.data)) : [];
  const perCall = Math.max(1, Math.min(variations, provider.maxOutputs ?? 1));
  const price = priceFor(provider.kind, provider.model, baseOptions.output!.tier);

  /**
   * Call `index` asking for `count` images. With several calls of one image
   * each and a seed, each call gets its own seed (seed, seed+1, ...): the same
   * seed would give the same image N times.
   */
  const planCall = (index: number, count: number): PlannedCall => {
    const seed = baseOptions.seed !== undefined && perCall === 1 ? baseOptions.seed + index : baseOptions.seed;
    const options: EditOptions = { ...baseOptions, ...(seed !== undefined ? { seed } : {}), ...(count > 1 ? { numImages: count } : {}) };
    const key = cache
      ? cacheKey({
          scope: resolved.cacheScope,
          provider: provider.id,
          model: provider.model,
          prompt,
          options,
          images: imageHashes,
          // One edit's calls are told apart, and a variation is never served as another count's.
          ...(variations > 1 ? { variation: { of: variations, call: index } } : {}),
        })
      : undefined;
    return { index, count, options, ...(key ? { key } : {}) };
  };

  const cacheWarnings: string[] = [];
  const callProvider = async (call: PlannedCall): Promise<CallResult> => {
    const request = { images: prepared, prompt, options: call.options };
    const context = { signal, resume: new Map<string, unknown>(), ...(job.onProgress ? { onProgress: job.onProgress } : {}) };
    let result: EditResult;
    let attempts: number;
    try {
      ({ value: result, attempts } = await withRetry(
        () => provider.edit(request, context),
        { maxRetries: config.maxRetries, maxWaitSeconds: config.maxRetryWaitSeconds },
        signal,
        job.onRetry,
      ));
    } catch (error) {
      // Whatever ended the edit, work the provider started must not run on (and be billed) unseen.
      await provider.abandon?.(context).catch(() => undefined);
      if (deadline.timedOut && !job.signal?.aborted) {
        throw new FrameForgeError(
          'provider_timeout',
          `${provider.id} did not finish the edit of ${job.image.name} within ${config.editTimeoutSeconds} s.`,
          { cause: error, hint: 'Try again later, or raise EDIT_TIMEOUT_SECONDS.' },
        );
      }
      if (job.signal?.aborted || isAbortError(error)) {
        throw new FrameForgeError('cancelled', `The edit of ${job.image.name} was cancelled.`, { cause: error });
      }
      throw toFrameForgeError(error);
    }
    // A result in pieces is its own image (reading its data would join them).
    const only: ResultImage = result.pieces ? result : { data: result.data, mimeType: result.mimeType };
    const images = (result.images ?? [only]).slice(0, call.count);
    if (cache && call.key && !result.mock) {
      const { model, text, warnings } = result;
      await cache
        .put(call.key, { data: images[0]!.data, mimeType: images[0]!.mimeType, warnings, ...(images.length > 1 ? { images } : {}), ...(model ? { model } : {}), ...(text ? { text } : {}) })
        .catch((error: unknown) => cacheWarnings.push(`The result could not be cached in ${cache.dir}: ${(error as Error).message}`));
    }
    return { result, images, attempts: result.attempts ?? attempts, hit: false };
  };

  // Rounds of calls until every variation has an image: the first round asks for all of them;
  // a call that brings back fewer than it asked for (a model that ignores num_images, a blocked
  // image) leaves the rest to the next round. Every call brings at least one image or throws.
  const calls: CallResult[] = [];
  const images: ResultImage[] = [];
  let nextCall = 0;
  let paidImages = 0;
  while (images.length < variations) {
    const missing = variations - images.length;
    const round = Array.from({ length: Math.ceil(missing / perCall) }, (_, i) => planCall(nextCall + i, Math.min(perCall, missing - i * perCall)));
    nextCall += round.length;
    const hits = await Promise.all(round.map((call) => (cache && call.key ? cache.get(call.key) : undefined)));
    const toPay = round.filter((_, i) => !hits[i]).reduce((sum, call) => sum + call.count, 0);
    if (toPay > 0) job.reserve?.(price ? price.usd * toPay : undefined);
    paidImages += toPay;
    const settled = await Promise.allSettled(
      round.map(async (call, i): Promise<CallResult> => {
        const hit = hits[i];
        if (!hit) return job.limit ? job.limit(() => callProvider(call)) : callProvider(call);
        const { images: cachedImages, ...result } = hit;
        return { result, images: cachedImages ?? [{ data: hit.data, mimeType: hit.mimeType }], attempts: 0, hit: true };
      }),
    );
    // Calls still running when one fails are let finish: they are paid for, and cached for a rerun.
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const done of settled as PromiseFulfilledResult<CallResult>[]) {
      calls.push(done.value);
      images.push(...done.value.images.slice(0, variations - images.length));
    }
  }

  const first = calls[0]!;
  const model = first.result.model ?? provider.model;
  // Post-processing on each result: the label (re-encodes), the before/after from the
  // labelled result, and the disclosure last, as it adds the only metadata.
  const disclosure = { providerId: provider.id, model };
  const disclose = (bytes: Buffer, as: OutputFormat) => (job.disclosure === false ? bytes : addDisclosure(bytes, as, disclosure));
  let mimeType = '';
  const outputs: EditOutput[] = await Promise.all(
    images.map(async (image) => {
      const output = await encodeOutputOf(image, format, provider.id);
      mimeType = output.mimeType;
      const labelled: MaybePieces = job.label ? { data: await addLabel(output.data, format, job.label) } : output;
      const compared = job.compare ? await makeCompare(job.image.data, labelled.data) : undefined;
      // In pieces as far as they go: an upload the mock answered is written out as it came in.
      const chunks = labelled.pieces
        ? job.disclosure === false ? [...labelled.pieces] : disclosurePieces(labelled.pieces, format, disclosure)
        : job.disclosure === false ? [labelled.data] : disclosureParts(labelled.data, format, disclosure);
      let data: Buffer | undefined;
      return {
        get data() {
          return (data ??= chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        },
        chunks,
        ...(compared ? { compare: disclose(compared, 'jpeg') } : {}),
      };
    }),
  );
  const cached = calls.every((call) => call.hit);
  const resultWarnings = [...new Set(calls.flatMap((call) => call.result.warnings))];
  const text = calls.map((call) => call.result.text).filter(Boolean).join('\n');
  const firstOutput = outputs[0]!;
  return {
    get data() {
      return firstOutput.data;
    },
    chunks: firstOutput.chunks,
    outputs,
    mimeType,
    format,
    prompt,
    providerId: provider.id,
    model,
    warnings: [...resolved.warnings, ...inspected.flatMap((image) => firstFrameWarning(image) ?? []), ...resultWarnings, ...cacheWarnings],
    attempts: calls.reduce((sum, call) => sum + call.attempts, 0),
    cached,
    ...(price ? { costUsd: price.usd * paidImages } : cached ? { costUsd: 0 } : {}),
    mock: calls.some((call) => Boolean(call.result.mock)),
    ...(first.result.requestId ? { requestId: first.result.requestId } : {}),
    ...(text ? { text } : {}),
    ...(resolved.fallback ? { fallback: resolved.fallback } : {}),
    ...(outputs[0]!.compare ? { compare: outputs[0]!.compare } : {}),
  };
}
