/**
 * Webhooks with Redis: a job that ends adds one delivery to a BullMQ queue of
 * its own, under a job id made from the job's (so it is added once, however
 * many workers or servers see the end), and with BullMQ's attempts and
 * exponential backoff (WEBHOOK_ATTEMPTS, WEBHOOK_RETRY_DELAY_MS doubling).
 * Any worker delivers it; a worker that dies mid-delivery loses its lock and
 * another takes the delivery up (the same stalled-job handling as edits), so a
 * webhook survives worker restarts. A receiver may see an attempt twice when a
 * worker died after sending it: `webhook-id` is its idempotency key.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULLMQ_PREFIX } from './bullmq-names.js';
import type { ErrorSink } from './redis-connection.js';
import type { JobRecord } from './types.js';
import { attemptWebhook, type WebhookConfig } from './webhook-delivery.js';
import type { WebhookReport } from './webhook-sender.js';

export const WEBHOOK_QUEUE = 'webhooks';

/** What a delivery carries: the record as the webhook tells it (no owner; no secret anywhere). */
type Delivery = Pick<JobRecord, 'id' | 'status' | 'webhook_url' | 'error' | 'variations'>;

export interface WebhookEnqueuer {
  /** Adds the delivery for a job that has ended with a webhook_url (a no-op otherwise). */
  enqueue(record: JobRecord): Promise<void>;
  close(): Promise<void>;
}

export function createWebhookEnqueuer(connection: Redis, config: WebhookConfig, onError: ErrorSink): WebhookEnqueuer {
  let queue: Queue | undefined;
  return {
    async enqueue(record) {
      if (!record.webhook_url) return;
      if (!queue) {
        queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: BULLMQ_PREFIX });
        queue.on('error', (error) => onError('bullmq webhook queue', error));
      }
      const delivery: Delivery = {
        id: record.id,
        status: record.status,
        webhook_url: record.webhook_url,
        // The payload lists one result URL per variation (webhook-delivery.ts).
        ...(record.variations ? { variations: record.variations } : {}),
        ...(record.error ? { error: record.error } : {}),
      };
      await queue.add('deliver', delivery, {
        // One delivery per job: BullMQ ignores an add whose id it already holds.
        jobId: `webhook-${record.id}`,
        attempts: config.webhookAttempts,
        backoff: { type: 'exponential', delay: config.webhookRetryDelayMs },
        removeOnComplete: true,
        removeOnFail: true,
      });
    },
    async close() {
      await queue?.close();
    },
  };
}

export interface WebhookWorkerOptions {
  connection: Redis;
  config: WebhookConfig & { jobLockMs: number; jobStalledIntervalMs: number };
  concurrency: number;
  onError: ErrorSink;
  report?: WebhookReport;
}

export function startWebhookWorker(options: WebhookWorkerOptions): Worker {
  const { config, report } = options;
  const worker = new Worker(
    WEBHOOK_QUEUE,
    async (job: Job<Delivery>) => {
      const outcome = await attemptWebhook(job.data as JobRecord, config);
      if (outcome.delivered) return;
      const tries = job.attemptsMade + 1;
      if (outcome.final || tries >= config.webhookAttempts) report?.('webhook given up', { job: job.data.id, attempts: tries, reason: outcome.reason });
      // 410 Gone, or a URL refused now: no retry can help.
      if (outcome.final) throw new UnrecoverableError(outcome.reason);
      throw new Error(outcome.reason);
    },
    {
      connection: options.connection,
      prefix: BULLMQ_PREFIX,
      concurrency: options.concurrency,
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobStalledIntervalMs,
      maxStalledCount: 1,
    },
  );
  worker.on('error', (error) => options.onError('bullmq webhook worker', error));
  return worker;
}
