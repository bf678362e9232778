/**
 * The item runner of a `--queue` batch: submit the item as a job and wait
 * for it to end, so `frameforge worker`s anywhere do the edit while the batch
 * loop (run-batch.ts) plans, names, resumes, records and reports exactly as
 * for a local batch. It speaks only to the JobQueue interface.
 *
 * Ctrl-C cancels the item's job (a queued one never runs; a running one is
 * aborted on its worker). A job that succeeded just as Ctrl-C came is kept:
 * its result is paid for, as a local batch keeps an edit that arrived.
 */
import type { JobInput, JobQueue, JobRecord } from '../../jobs/types.js';
import { waitForEnd } from '../../jobs/wait-for-end.js';
import { FrameForgeError } from '../errors.js';
import type { LocalRunnerOptions } from './local-runner.js';
import type { EditItem, ItemEdit, ItemRunner } from './run-item.js';

export interface QueueRunnerOptions extends LocalRunnerOptions {
  /** The provider id the workers resolve, with their own keys. */
  provider: string;
  /** The model a result without one is recorded under (results of older workers). */
  model: string;
  /** Warnings the batch said once at its start (a provider notice), left out of each item's. */
  shownWarnings?: readonly string[];
  /** The estimated price of an item's edit, for `reserve` (--max-cost) before its job is queued. */
  estimate?: (item: EditItem) => Promise<number | undefined>;
}

export function queueRunner(jobs: JobQueue, job: QueueRunnerOptions): ItemRunner {
  return async (request) => {
    request.signal.throwIfAborted();
    // The budget is held here, before the job goes: a worker cannot stop a batch it does not run.
    if (job.reserve) job.reserve(await job.estimate?.(request.item), request.item.input);
    const input: JobInput = {
      images: [request.image, ...job.references],
      provider: job.provider,
      ...(job.prompt !== undefined ? { prompt: job.prompt } : {}),
      options: job.options,
      format: request.format,
      disclosure: job.disclosure !== false,
      ...(job.label ? { label: job.label } : {}),
      ...(job.compare ? { compare: true } : {}),
      ...(job.cache === false ? { cache: false } : {}),
      ...(job.variations !== undefined && job.variations > 1 ? { variations: job.variations } : {}),
    };
    const { id } = await jobs.submit(input);
    const waited = await waitForEnd(jobs, id, { signal: request.signal });
    if (waited.state === 'gone') throw new FrameForgeError('not_found', `Job ${id} (${request.item.input}) expired before it ended.`, { hint: 'Raise JOB_TTL_SECONDS or add workers.' });
    let record = waited.state === 'ended' ? waited.record : undefined;
    if (!record) {
      // Ctrl-C: take the job back. One that ended meanwhile is left as it ended.
      record = await jobs.cancel(id);
      if (record?.status !== 'succeeded') {
        throw new FrameForgeError('cancelled', `The edit of ${request.item.input} was cancelled (job ${id}).`);
      }
    }
    return outcomeOf(jobs, record, request.item.input, job);
  };
}

async function outcomeOf(jobs: JobQueue, record: JobRecord, input: string, job: QueueRunnerOptions): Promise<ItemEdit> {
  if (record.status !== 'succeeded') {
    const error = record.error ?? { code: 'internal_error' as const, detail: `Job ${record.id} ${record.status}.` };
    throw new FrameForgeError(error.code, error.detail);
  }
  const result = await jobs.result(record.id);
  if (!result) throw new FrameForgeError('not_found', `The result of ${input} (job ${record.id}) expired before it was fetched.`, { hint: 'Raise JOB_TTL_SECONDS.' });
  return {
    data: result.data,
    providerId: result.providerId,
    model: result.model ?? job.model,
    mock: result.mock,
    ...(result.fallback ? { fallback: result.fallback } : {}),
    warnings: (result.warnings ?? []).filter((w) => !job.shownWarnings?.includes(w)),
    attempts: result.attempts ?? record.attempts,
    ...(result.requestId ? { requestId: result.requestId } : {}),
    ...(result.cached ? { cached: true } : {}),
    ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
    ...(result.compare ? { compare: result.compare } : {}),
    ...(result.variations
      ? { outputs: result.variations.map((data, i) => ({ data, chunks: [data], ...(result.variationCompares?.[i] ? { compare: result.variationCompares[i] } : {}) })) }
      : {}),
  };
}
