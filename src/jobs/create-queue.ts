/** Chooses the job backend once, at startup: in-memory without REDIS_URL. */
import type { Config } from '../core/config.js';
import type { resolveProvider } from '../providers/registry.js';
import { createMemoryQueue } from './memory-queue.js';
import { createJobRunner } from './run-job.js';
import type { JobQueue } from './types.js';

export interface CreateQueueOptions {
  /** Tests wrap the registry's resolveProvider to observe requests. */
  resolveProvider?: typeof resolveProvider;
}

export async function createJobQueue(config: Config, options: CreateQueueOptions = {}): Promise<JobQueue> {
  return createMemoryQueue({
    run: createJobRunner(config, options.resolveProvider),
    concurrency: config.jobConcurrency,
    ttlMs: config.jobTtlSeconds * 1000,
  });
}
