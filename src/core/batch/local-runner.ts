/**
 * The item runner of a local batch: the shared core edit, in this process.
 * (A queued batch passes a runner that submits to the job queue and waits.)
 */
import type { Config } from '../config.js';
import { editImage, type EditJob, type ImageInput } from '../edit.js';
import type { ResolvedProvider } from '../../providers/registry.js';
import type { EditOptions } from '../../providers/types.js';
import type { ItemRunner } from './run-item.js';

/** The prompt, references, options and post-processing every item of a batch shares. */
export interface LocalRunnerOptions extends Pick<EditJob, 'disclosure' | 'label' | 'compare' | 'cache' | 'variations' | 'limit'> {
  prompt?: string;
  references: readonly ImageInput[];
  options: EditOptions;
  /** `--max-cost`: told the estimate of each provider call before it is made (see EditJob.reserve); may throw. */
  reserve?: (usd: number | undefined, input: string) => void;
}

/**
 * The provider's own warnings (a DEV_MODE fallback) are the same for every
 * item, so the batch shows them once at its start and they are left out here.
 */
export function localRunner(resolved: ResolvedProvider, config: Config, job: LocalRunnerOptions): ItemRunner {
  return async (request) => {
    const outcome = await editImage(
      resolved,
      {
        image: request.image,
        references: job.references,
        ...(job.prompt !== undefined ? { prompt: job.prompt } : {}),
        format: request.format,
        options: job.options,
        ...(job.disclosure !== undefined ? { disclosure: job.disclosure } : {}),
        ...(job.label ? { label: job.label } : {}),
        ...(job.compare ? { compare: true } : {}),
        ...(job.cache === false ? { cache: false } : {}),
        ...(job.variations !== undefined ? { variations: job.variations } : {}),
        ...(job.limit ? { limit: job.limit } : {}),
        signal: request.signal,
        onRetry: request.onRetry,
        ...(job.reserve ? { reserve: (usd: number | undefined) => job.reserve!(usd, request.item.input) } : {}),
      },
      config,
    );
    return { ...outcome, warnings: outcome.warnings.filter((w) => !resolved.warnings.includes(w)) };
  };
}
