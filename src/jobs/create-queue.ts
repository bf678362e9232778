/**
 * Chooses the job backend once, at startup: in-memory without REDIS_URL (in
 * the server's edit slots), BullMQ on Redis with it (plus a worker in this
 * process, JOB_CONCURRENCY jobs at once, unless `noWorker`).
 */
import type { Config } from '../core/config.js';
import { createAdmission, type Admission } from '../server/policies/admission.js';
import type { resolveProvider } from '../providers/registry.js';
import { createMemoryQueue } from './memory-queue.js';
import type { ErrorSink } from './redis-connection.js';
import { createJobRunner } from './run-job.js';
import type { JobQueue } from './types.js';
import { createWebhookSender, withWebhooks, type WebhookReport } from './webhook-sender.js';

export interface CreateQueueOptions {
  /** Tests wrap the registry's resolveProvider to observe requests. */
  resolveProvider?: typeof resolveProvider;
  /** With REDIS_URL: only take requests, leave the running to `frameforge worker`s. */
  noWorker?: boolean;
  /** Where Redis connection trouble is reported (it is retried, never fatal). */
  onError?: ErrorSink;
  /** Embedded: the edit slots jobs run in, shared with POST /api/edit; made from the config otherwise. */
  admission?: Pick<Admission, 'enter'>;
  /** Told about a webhook that was given up. */
  onWebhookGaveUp?: WebhookReport;
}

export async function createJobQueue(config: Config, options: CreateQueueOptions = {}): Promise<JobQueue> {
  const run = createJobRunner(config, options.resolveProvider);
  const { redisUrl } = config;
  if (!redisUrl) {
    const admission = options.admission ?? createAdmission({ maxActive: config.maxConcurrentEdits, maxQueued: config.maxQueuedEdits });
    const queue = createMemoryQueue({ run, admission, ttlMs: config.jobTtlSeconds * 1000 });
    return withWebhooks(queue, createWebhookSender(config, options.onWebhookGaveUp ?? (() => {})));
  }
  const onError = options.onError ?? (() => {});
  const { createRedisQueue } = await import('./redis-queue.js');
  const redisConfig = { ...config, redisUrl };
  if (options.noWorker) return createRedisQueue({ config: redisConfig, onError });
  const { startWorker } = await import('./worker.js');
  const { LocalHandoff } = await import('./handoff.js');
  // The worker here takes the inputs this server queues, and gives back its results, in memory.
  const handoff = new LocalHandoff(config.jobTtlSeconds * 1000);
  const worker = await startWorker({
    config: redisConfig,
    concurrency: config.jobConcurrency,
    onError,
    run,
    handoff,
    ...(options.onWebhookGaveUp ? { onWebhookGaveUp: options.onWebhookGaveUp } : {}),
  });
  return createRedisQueue({ config: redisConfig, onError, worker, handoff });
}
