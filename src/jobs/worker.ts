/**
 * A BullMQ worker: takes jobs from the shared queue and runs each through the
 * same core edit as every other door (run-job.ts), keeping the job's record
 * in Redis and announcing each change. `frameforge worker` runs one; `serve`
 * runs one in-process unless started with --no-worker.
 *
 * What BullMQ already does is left to it: a worker killed mid-job loses its
 * lock and the job is taken up again by another (stalled jobs,
 * JOB_LOCK_DURATION_MS / JOB_STALLED_INTERVAL_MS); the per-queue rate limit.
 * A job whose record has already ended is skipped, so a job that is taken up
 * again after its worker wrote the outcome is not run twice.
 */
import { Worker, type Job } from 'bullmq';
import type { Config } from '../core/config.js';
import { FrameForgeError, isAbortError } from '../core/errors.js';
import { BULLMQ_PREFIX, QUEUE_NAME } from './bullmq-names.js';
import { finished, started } from './records.js';
import { connectRedis, type ErrorSink } from './redis-connection.js';
import { CANCEL_CHANNEL, RedisJobStore } from './redis-store.js';
import { cancelledError, createJobRunner, jobErrorOf, type JobRunner } from './run-job.js';
import { TERMINAL_STATUSES, type JobRecord } from './types.js';
import { createWebhookEnqueuer, startWebhookWorker } from './webhook-queue.js';
import type { WebhookReport } from './webhook-sender.js';

export interface WorkerOptions {
  config: Config & { redisUrl: string };
  concurrency: number;
  onError: ErrorSink;
  /** Told about each job that ends (logs; webhooks). */
  onEnded?: (record: JobRecord) => void | Promise<void>;
  run?: JobRunner;
  /** Told about a webhook that was given up (its attempts spent, 410 Gone, or its URL now refused). */
  onWebhookGaveUp?: WebhookReport;
}

export interface RunningWorker {
  /** Stops taking jobs and waits for the ones running here to end. */
  close(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config, onError } = options;
  const run = options.run ?? createJobRunner(config);
  const redis = connectRedis(config.redisUrl, onError, 'worker');
  const cancels = connectRedis(config.redisUrl, onError, 'cancels');
  const store = new RedisJobStore(redis, config.jobTtlSeconds * 1000, config.jobKeySecret);
  const running = new Map<string, AbortController>();
  const webhooks = createWebhookEnqueuer(redis, config, onError);

  cancels.on('message', (_channel: string, id: string) => {
    running.get(id)?.abort(new DOMException('The job was cancelled.', 'AbortError'));
  });
  await cancels.subscribe(CANCEL_CHANNEL);

  async function markStarted(record: JobRecord): Promise<JobRecord> {
    await store.saveRecord(record, false);
    await store.publish(record);
    return record;
  }

  async function processJob(job: Job): Promise<void> {
    const id = job.id!;
    const record = await store.record(id);
    // Expired, cancelled while queued, or already ended by a worker that died before telling BullMQ.
    if (!record || TERMINAL_STATUSES.has(record.status)) return;
    const controller = new AbortController();
    running.set(id, controller);
    try {
      // A cancel sent before this worker listened for it left its mark.
      if (await store.cancelRequested(id)) controller.abort(new DOMException('The job was cancelled.', 'AbortError'));
      let current = await markStarted(started(record, Date.now()));
      try {
        const input = await store.input(id);
        if (!input) throw new FrameForgeError('not_found', 'The job\'s input expired before it ran.', { hint: 'Raise JOB_TTL_SECONDS or add workers.' });
        controller.signal.throwIfAborted();
        const result = await run(input, controller.signal);
        await store.saveResult(id, result);
        current = finished(current, 'succeeded', Date.now(), { provider: result.providerId });
      } catch (error) {
        const cancelled = controller.signal.aborted || isAbortError(error);
        current = finished(current, cancelled ? 'cancelled' : 'failed', Date.now(), { error: cancelled ? cancelledError() : jobErrorOf(error) });
      }
      await store.dropInput(id);
      if (!(await store.finishRecord(current))) return;
      await store.publish(current);
      await webhooks.enqueue(current);
      await options.onEnded?.(current);
    } finally {
      running.delete(id);
    }
  }

  const worker = new Worker(QUEUE_NAME, processJob, {
    connection: redis,
    prefix: BULLMQ_PREFIX,
    concurrency: options.concurrency,
    lockDuration: config.jobLockMs,
    stalledInterval: config.jobStalledIntervalMs,
    maxStalledCount: 1,
    // BullMQ's limiter is kept in Redis and holds across every worker of the queue
    // (https://docs.bullmq.io/guide/rate-limiting): one quota, however many machines.
    ...(config.providerRateLimitPerMinute ? { limiter: { max: config.providerRateLimitPerMinute, duration: 60_000 } } : {}),
  });
  worker.on('error', (error) => onError('bullmq worker', error));
  // BullMQ gave up on a job (its attempts, or stalled too often): its record must not stay "running".
  worker.on('failed', (job, error) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    void (async () => {
      const record = await store.record(job.id!);
      if (!record || TERMINAL_STATUSES.has(record.status)) return;
      const failed = finished(record, 'failed', Date.now(), { error: jobErrorOf(error) });
      if (!(await store.finishRecord(failed))) return;
      await store.publish(failed);
      await webhooks.enqueue(failed);
      await options.onEnded?.(failed);
    })().catch((e: Error) => onError('recording a failed job', e));
  });
  // Deliveries run beside the edits, on every worker (webhook-queue.ts).
  const deliveries = startWebhookWorker({
    connection: redis,
    config,
    concurrency: options.concurrency,
    onError,
    ...(options.onWebhookGaveUp ? { report: options.onWebhookGaveUp } : {}),
  });
  await Promise.all([worker.waitUntilReady(), deliveries.waitUntilReady()]);

  return {
    async close() {
      await worker.close();
      await deliveries.close();
      await webhooks.close();
      cancels.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
