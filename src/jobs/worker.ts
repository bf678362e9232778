/**
 * A BullMQ worker: takes jobs from the shared queue and runs each through the
 * same core edit as every other door (run-job.ts), keeping the job's record
 * in Redis and announcing each change. `frameforge worker` runs one; `serve`
 * runs one in-process unless started with --no-worker.
 *
 * What BullMQ already does is left to it: a worker killed mid-job loses its
 * lock and the job is taken up again by another (stalled jobs,
 * JOB_LOCK_DURATION_MS / JOB_STALLED_INTERVAL_MS).
 * A job whose record has already ended is skipped, so a job that is taken up
 * again after its worker wrote the outcome is not run twice.
 *
 * PROVIDER_RATE_LIMIT_PER_MINUTE is per provider quota (provider-limits.ts),
 * not BullMQ's queue limiter, which holds the whole queue back: a full Gemini
 * window must not stop fal or mock jobs. A job over its quota is put back with
 * BullMQ's documented pattern for delaying a job being processed
 * (job.moveToDelayed with the worker's token, then DelayedError:
 * https://docs.bullmq.io/patterns/process-step-jobs#delaying), which neither
 * counts an attempt nor holds a lock: its record stays `queued` with 0
 * attempts, a DELETE removes it like any queued job, and the worker takes
 * the next job at once, so `--concurrency` stays the number of edits at once.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Config } from '../core/config.js';
import { FrameForgeError, isAbortError } from '../core/errors.js';
import { BULLMQ_PREFIX, QUEUE_NAME } from './bullmq-names.js';
import { finished, started } from './records.js';
import { anyLimit, quotaOf } from './provider-limits.js';
import { takeQuota } from './provider-quota.js';
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

  /** Ends a job with its record, once, and tells everyone who listens. */
  async function end(record: JobRecord): Promise<void> {
    if (!(await store.finishRecord(record))) return;
    await store.publish(record);
    await webhooks.enqueue(record);
    await options.onEnded?.(record);
  }

  const limits = config.providerRateLimitPerMinute;
  const limited = anyLimit(limits);

  /**
   * Milliseconds until the job's provider quota has room, or 0 once its places
   * are taken. A job with a cancel pending takes none: it ends without a call.
   */
  async function quotaWait(record: JobRecord): Promise<number> {
    if (!limited || (await store.cancelRequested(record.id))) return 0;
    const quota = quotaOf(limits, record.provider || config.defaultProvider, config.googleModelId);
    return quota ? takeQuota(redis, quota, record.variations ?? 1) : 0;
  }

  /** Puts a job back, queued, until its quota's window ends (see the top of this file). */
  async function holdBack(job: Job, token: string | undefined, record: JobRecord, waitMs: number): Promise<never> {
    // A little past the window's end, so a clock a few ms apart from Redis's does not ask too soon.
    await job.moveToDelayed(Date.now() + waitMs + 50, token);
    // A DELETE that came while this worker held the job found it locked and asked the workers;
    // now it is unlocked, and no worker will see it before the window ends: end it here.
    if (await store.cancelRequested(record.id)) {
      await job.remove().catch(() => {});
      await store.dropInput(record.id);
      await end(finished(record, 'cancelled', Date.now(), { error: cancelledError() }));
    }
    throw new DelayedError();
  }

  async function processJob(job: Job, token?: string): Promise<void> {
    const id = job.id!;
    const record = await store.record(id);
    // Expired, cancelled while queued, or already ended by a worker that died before telling BullMQ.
    if (!record || TERMINAL_STATUSES.has(record.status)) return;
    const waitMs = await quotaWait(record);
    if (waitMs > 0) await holdBack(job, token, record, waitMs);
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
      await end(current);
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
  });
  worker.on('error', (error) => onError('bullmq worker', error));
  // BullMQ gave up on a job (its attempts, or stalled too often): its record must not stay "running".
  worker.on('failed', (job, error) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    void (async () => {
      const record = await store.record(job.id!);
      if (!record || TERMINAL_STATUSES.has(record.status)) return;
      await end(finished(record, 'failed', Date.now(), { error: jobErrorOf(error) }));
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
