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
import type { LocalHandoff } from './handoff.js';
import { TERMINAL_STATUSES, type JobRecord, type JobResult } from './types.js';
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
  /** Shared with the server in this process (serve without --no-worker): inputs in, results out, in memory. */
  handoff?: LocalHandoff;
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

  /**
   * Ends a job, once: its result, record, input dropped and the announcement in
   * one step (redis-store.ts); then tells everyone else who listens.
   */
  async function end(record: JobRecord, result?: JobResult, inputImages?: number): Promise<void> {
    if (!(await store.finish(record, result, inputImages))) return;
    if (result) options.handoff?.putResult(record, result);
    await webhooks.enqueue(record);
    await options.onEnded?.(record);
  }

  const limits = config.providerRateLimitPerMinute;
  const limited = anyLimit(limits);

  /**
   * Milliseconds until the job's provider quota has room, or 0 once its places
   * are taken. A job with a cancel pending takes none: it ends without a call.
   */
  async function quotaWait(record: JobRecord, cancelRequested: boolean): Promise<number> {
    if (!limited || cancelRequested) return 0;
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
      await end(finished(record, 'cancelled', Date.now(), { error: cancelledError() }));
    }
    throw new DelayedError();
  }

  async function processJob(job: Job, token?: string): Promise<void> {
    const id = job.id!;
    const controller = new AbortController();
    // Listening for a cancel before the first read: one sent before that left its mark, read with the record.
    running.set(id, controller);
    try {
      // A job this process queued brings its input in memory (handoff.ts); any other is read from Redis.
      const handed = options.handoff?.takeInput(id);
      // Without provider quotas the job is marked running in the same step; with them, only once its quota has room.
      const { record, cancelRequested, running: marked, input: stored } = await store.start(id, !handed && !limited, limited ? undefined : Date.now());
      // Expired, cancelled while queued, or already ended by a worker that died before telling BullMQ.
      if (!record || TERMINAL_STATUSES.has(record.status)) return;
      if (cancelRequested) controller.abort(new DOMException('The job was cancelled.', 'AbortError'));
      const waitMs = await quotaWait(record, controller.signal.aborted);
      if (waitMs > 0) {
        // Back in the queue for now; the worker that takes it later may be this one.
        if (handed) options.handoff?.putInput(id, handed);
        await holdBack(job, token, record, waitMs);
      }
      // With provider quotas the input is read only once the job may run, not at each hold-back.
      const input = handed ?? (limited ? await store.input(id) : stored);
      let current = marked ? record : started(record, Date.now());
      if (!marked) await store.markRunning(current);
      let result: JobResult | undefined;
      try {
        if (!input) throw new FrameForgeError('not_found', 'The job\'s input expired before it ran.', { hint: 'Raise JOB_TTL_SECONDS or add workers.' });
        controller.signal.throwIfAborted();
        result = await run(input, controller.signal);
        current = finished(current, 'succeeded', Date.now(), { provider: result.providerId });
      } catch (error) {
        result = undefined;
        const cancelled = controller.signal.aborted || isAbortError(error);
        current = finished(current, cancelled ? 'cancelled' : 'failed', Date.now(), { error: cancelled ? cancelledError() : jobErrorOf(error) });
      }
      await end(current, result, input?.images.length ?? 0);
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
