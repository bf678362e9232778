/**
 * The edit pipeline, shared by `frameforge edit`, batch runs and `POST /api/edit`:
 * inspect every image, prepare it for the provider, call the provider under one
 * deadline with retries, and encode the result. It reads no files and writes
 * none: callers bring bytes and decide where the result goes.
 */
import type { Config } from './config.js';
import { FrameForgeError, isAbortError, toFrameForgeError } from './errors.js';
import {
  defaultOutputFormat,
  encodeOutput,
  firstFrameWarning,
  inspectImage,
  prepareForProvider,
  type InspectedImage,
  type OutputFormat,
} from './images.js';
import { resolveTier, uprightSize } from './output-size.js';
import { withRetry, type RetryInfo } from './retry.js';
import { makeCompare } from './staging/compare.js';
import { addDisclosure, disclosureParts } from './staging/disclosure.js';
import { addLabel, type LabelOptions } from './staging/label.js';
import { priceFor } from './staging/prices.js';
import type { ResolvedProvider } from '../providers/registry.js';
import type { EditOptions, EditResult, ProviderImage } from '../providers/types.js';
import { cacheKey, resultCache, sha256 } from './cache/result-cache.js';

export interface ImageInput {
  readonly data: Buffer;
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
  /** The before/after JPEG, when the job asked for it. */
  readonly compare?: Buffer;
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
  return Promise.all(inputs.map((input) => inspectImage(input.data, input.name, config.maxInputPixels)));
}

/** The size tier to ask for and the framing to keep, from the input as the user gave it (before any scaling). */
function outputFor(input: InspectedImage, job: EditJob, config: Config): NonNullable<EditOptions['output']> {
  const { width, height } = uprightSize(input.width, input.height, input.orientation);
  const request = job.options?.size ?? config.defaultSize;
  return { tier: resolveTier(request, width, height), asked: request !== 'auto', width, height };
}

export async function editImage(resolved: ResolvedProvider, job: EditJob, config: Config): Promise<EditOutcome> {
  const { provider } = resolved;
  provider.validate?.(job.options ?? {});
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

  const deadline = AbortSignal.timeout(config.editTimeoutSeconds * 1000);
  const signal = job.signal ? AbortSignal.any([job.signal, deadline]) : deadline;
  const request = { images: prepared, prompt, options: { ...job.options, outputFormat: format, output: outputFor(inspected[0]!, job, config) } };
  const context = { signal, resume: new Map<string, unknown>(), ...(job.onProgress ? { onProgress: job.onProgress } : {}) };
  // The cache wraps the provider call, keyed by everything the call depends on (and per paying account).
  const cache = job.cache === false || provider.kind === 'mock' ? undefined : resultCache(config.cacheDir, config.cacheMaxMb);
  const key = cache
    ? cacheKey({
        scope: resolved.cacheScope,
        provider: provider.id,
        model: provider.model,
        prompt,
        options: request.options,
        images: prepared.map((image) => sha256(image.data)),
      })
    : undefined;
  const hit = cache && key ? await cache.get(key) : undefined;
  const cacheWarnings: string[] = [];
  let result: EditResult;
  let attempts: number;
  const price = priceFor(provider.kind, provider.model, request.options.output.tier);
  if (hit) {
    result = hit;
    attempts = 0;
  } else {
    job.reserve?.(price?.usd);
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
      if (deadline.aborted && !job.signal?.aborted) {
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
    if (cache && key && !result.mock) {
      const { data, mimeType, model, text, warnings } = result;
      await cache
        .put(key, { data, mimeType, warnings, ...(model ? { model } : {}), ...(text ? { text } : {}) })
        .catch((error: unknown) => cacheWarnings.push(`The result could not be cached in ${cache.dir}: ${(error as Error).message}`));
    }
  }

  const output = await encodeOutput(result.data, format, provider.id);
  const model = result.model ?? provider.model;
  // Post-processing on the result bytes: the label (re-encodes), the before/after from the
  // labelled result, and the disclosure last, as it adds the only metadata.
  const labelled = job.label ? await addLabel(output.data, format, job.label) : output.data;
  const compared = job.compare ? await makeCompare(job.image.data, labelled) : undefined;
  const disclosure = { providerId: provider.id, model };
  const disclose = (bytes: Buffer, as: OutputFormat) => (job.disclosure === false ? bytes : addDisclosure(bytes, as, disclosure));
  const chunks = job.disclosure === false ? [labelled] : disclosureParts(labelled, format, disclosure);
  let data: Buffer | undefined;
  return {
    get data() {
      return (data ??= chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    },
    chunks,
    mimeType: output.mimeType,
    format,
    prompt,
    providerId: provider.id,
    model,
    warnings: [...resolved.warnings, ...inspected.flatMap((image) => firstFrameWarning(image) ?? []), ...result.warnings, ...cacheWarnings],
    attempts: hit ? 0 : (result.attempts ?? attempts),
    cached: Boolean(hit),
    ...(hit ? { costUsd: 0 } : price ? { costUsd: price.usd } : {}),
    mock: Boolean(result.mock),
    ...(result.requestId ? { requestId: result.requestId } : {}),
    ...(result.text ? { text: result.text } : {}),
    ...(resolved.fallback ? { fallback: resolved.fallback } : {}),
    ...(compared ? { compare: disclose(compared, 'jpeg') } : {}),
  };
}
