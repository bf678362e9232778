/**
 * Runs one job's edit: the same core `editImage` that `frameforge edit` and
 * POST /api/edit call, with the provider resolved from the job's own keys.
 * Every backend (the embedded queue, a BullMQ worker) runs jobs through here.
 */
import type { Config } from '../core/config.js';
import { editImage } from '../core/edit.js';
import { FrameForgeError, toFrameForgeError } from '../core/errors.js';
import { resolveProvider } from '../providers/registry.js';
import type { JobError, JobInput, JobResult } from './types.js';

export type JobRunner = (input: JobInput, signal: AbortSignal) => Promise<JobResult>;

export function createJobRunner(config: Config, resolve: typeof resolveProvider = resolveProvider): JobRunner {
  return async (input, signal) => {
    const [image, ...references] = input.images;
    if (!image) throw new FrameForgeError('missing_image', 'The job has no image.', { subject: 'images' });
    const resolved = await resolve(input.provider, config, input.keys ?? {}, { serverKeys: input.serverKeys ?? true });
    const outcome = await editImage(
      resolved,
      {
        image,
        references,
        ...(input.prompt !== undefined ? { prompt: input.prompt } : {}),
        disclosure: input.disclosure ?? true,
        ...(input.label ? { label: input.label } : {}),
        ...(input.cache === false ? { cache: false } : {}),
        ...(input.options ? { options: input.options } : {}),
        ...(input.format ? { format: input.format } : {}),
        ...(input.compare ? { compare: true } : {}),
        ...(input.variations !== undefined && input.variations > 1 ? { variations: input.variations } : {}),
        signal,
      },
      config,
    );
    return {
      // Made only if read: the result is stored and sent from `chunks` (one 1 MB copy less per job).
      get data() {
        return outcome.data;
      },
      chunks: outcome.chunks,
      ...(outcome.outputs.length > 1 ? { variations: outcome.outputs.map((output) => output.data) } : {}),
      ...(outcome.outputs.length > 1 && outcome.compare ? { variationCompares: outcome.outputs.map((output) => output.compare!) } : {}),
      mimeType: outcome.mimeType,
      providerId: outcome.providerId,
      mock: outcome.mock,
      ...(outcome.fallback ? { fallback: outcome.fallback } : {}),
      model: outcome.model,
      attempts: outcome.attempts,
      warnings: outcome.warnings,
      ...(outcome.requestId ? { requestId: outcome.requestId } : {}),
      ...(outcome.cached ? { cached: true } : {}),
      ...(outcome.costUsd !== undefined ? { costUsd: outcome.costUsd } : {}),
      ...(outcome.compare ? { compare: outcome.compare } : {}),
    };
  };
}

/** How a failure is kept on the job: a code and a sentence, never a stack or a secret. */
export function jobErrorOf(thrown: unknown): JobError {
  const error = toFrameForgeError(thrown);
  return { code: error.code, detail: error.detail };
}

export function cancelledError(): JobError {
  return { code: 'job_cancelled', detail: 'The job was cancelled.' };
}
