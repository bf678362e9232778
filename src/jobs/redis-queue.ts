/**
 * The Redis backend: submit stores the record and the input in our own keys
 * (with the TTL) and adds a BullMQ job that carries only the id; workers
 * anywhere run it (worker.ts). Status and results are read from our keys;
 * changes arrive on a pub/sub channel for subscribers. A queued job is
 * cancelled by removing it from BullMQ; a running one by a message to
 * whichever worker holds it.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../core/config.js';
import { FrameForgeError } from '../core/errors.js';
import { BULLMQ_PREFIX, QUEUE_NAME } from './bullmq-names.js';
import { newJobId } from './job-id.js';
import { finished, newRecord } from './records.js';
import type { LocalHandoff } from './handoff.js';
import { connectRedis, type ErrorSink } from './redis-connection.js';
import { EVENTS_CHANNEL, RedisJobStore } from './redis-store.js';
import { cancelledError } from './run-job.js';
import { TERMINAL_STATUSES, type JobQueue, type JobRecord } from './types.js';
import { createWebhookEnqueuer } from './webhook-queue.js';

/** How long DELETE waits for a running job's worker to confirm the cancel. */
const CANCEL_WAIT_MS = 5_000;

export interface RedisQueueOptions {
  config: Config & { redisUrl: string };
  onError: ErrorSink;
  /** A worker running in this process (serve without --no-worker), closed with the queue. */
  worker?: { close(): Promise<void> };
  /** Shared with that worker: inputs handed to it and results back, in memory (handoff.ts). */
  handoff?: LocalHandoff;
}

export function createRedisQueue(options: RedisQueueOptions): JobQueue {
  const { config, onError } = options;
  const redis = connectRedis(config.redisUrl, onError, 'server');
  const store = new RedisJobStore(redis, config.jobTtlSeconds * 1000, config.jobKeySecret);
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: BULLMQ_PREFIX });
  queue.on('error', (error) => onError('bullmq queue', error));
  const webhooks = createWebhookEnqueuer(redis, config, onError);

  let subscriber: Redis | undefined;
  const listeners = new Map<string, Set<(record: JobRecord) => void>>();
  function subscribeOnce(): void {
    if (subscriber) return;
    subscriber = connectRedis(config.redisUrl, onError, 'events');
    void subscriber.subscribe(EVENTS_CHANNEL).catch((error: Error) => onError('redis subscribe', error));
    subscriber.on('message', (_channel: string, message: string) => tell(JSON.parse(message) as JobRecord));
  }
  function tell(record: JobRecord): void {
    for (const listener of listeners.get(record.id) ?? []) listener(record);
  }
  // The worker in this process tells of the ends it writes at once; Redis's announcement follows.
  options.handoff?.onEnd(tell);

  function subscribe(id: string, listener: (record: JobRecord) => void): () => void {
    subscribeOnce();
    const set = listeners.get(id) ?? new Set();
    set.add(listener);
    listeners.set(id, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) listeners.delete(id);
    };
  }

  /** Resolves with the job's record once it has ended, or undefined after `ms`. */
  function ended(id: string, ms: number): { promise: Promise<JobRecord | undefined>; stop(): void } {
    let stop = () => {};
    const promise = new Promise<JobRecord | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      const off = subscribe(id, (record) => {
        if (TERMINAL_STATUSES.has(record.status)) resolve(record);
      });
      stop = () => {
        clearTimeout(timer);
        off();
      };
    });
    return { promise: promise.finally(() => stop()), stop: () => stop() };
  }

  return {
    backend: 'redis',
    async submit(request) {
      const hasKeys = Boolean(request.keys?.google || request.keys?.fal);
      if (hasKeys && !config.jobKeySecret) {
        throw new FrameForgeError('job_keys_need_secret', 'This server cannot queue a job that brings its own provider key.', {
          subject: 'JOB_KEY_SECRET',
          hint: 'Set JOB_KEY_SECRET on the servers and workers so keys are encrypted in Redis, or use /api/edit.',
        });
      }
      const id = newJobId();
      const record = newRecord(id, request, Date.now());
      const { webhookUrl: _w, owner: _o, ...input } = request;
      // Not waited for before the add: one connection runs them in order, so a worker that takes
      // the job finds its record and input; if they failed, the job finds no record and is skipped.
      options.handoff?.putInput(id, input);
      const stored = store.create(record, input);
      const queued = queue.add('edit', { id }, {
        jobId: id,
        // Our own record keeps the outcome; BullMQ's copy would only outlive the TTL (jobs-notes.md).
        removeOnComplete: true,
        removeOnFail: true,
        // Edit failures are retried inside the core; these attempts cover a worker's own trouble (Redis blips).
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
      });
      try {
        await Promise.all([stored, queued]);
      } catch (error) {
        options.handoff?.takeInput(id);
        throw error;
      }
      return record;
    },
    // An end the worker here wrote is final (handoff.ts): no need to read it back.
    status: async (id) => options.handoff?.endedRecord(id) ?? store.record(id),
    async result(id) {
      // Held only for a job this process's worker ended as succeeded, and not past the record's TTL:
      // no need to read the record again.
      const held = options.handoff?.takeResult(id);
      if (held) return held;
      const record = await store.record(id);
      return record?.status === 'succeeded' ? store.result(id) : undefined;
    },
    async cancel(id) {
      const record = await store.record(id);
      if (!record || TERMINAL_STATUSES.has(record.status)) return record;
      /** Removed from BullMQ before any worker ran it: it never runs. */
      async function cancelRemoved(current: JobRecord): Promise<JobRecord | undefined> {
        const cancelled = finished(current, 'cancelled', Date.now(), { error: cancelledError() });
        options.handoff?.takeInput(id);
        if (!(await store.finish(cancelled))) return store.record(id);
        await webhooks.enqueue(cancelled);
        return cancelled;
      }
      if (record.status === 'queued' && (await queue.remove(id)) === 1) return cancelRemoved(record);
      // A worker holds it: tell every worker; the one running it aborts the edit.
      const wait = ended(id, CANCEL_WAIT_MS);
      await store.requestCancel(id);
      // Held only for a moment: a worker putting it back for its provider quota (worker.ts) has unlocked it.
      if ((await queue.remove(id)) === 1) {
        wait.stop();
        return cancelRemoved((await store.record(id)) ?? record);
      }
      return (await wait.promise) ?? (await store.record(id));
    },
    subscribe,
    async close() {
      await options.worker?.close();
      options.handoff?.clear();
      await queue.close();
      await webhooks.close();
      subscriber?.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
