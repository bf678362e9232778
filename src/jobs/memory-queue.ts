/**
 * The embedded backend: jobs run in this process, at most `concurrency` at a
 * time, in the order they came. Inputs are dropped as soon as a job ends;
 * records and results are kept for the TTL after that (expired ones are swept
 * on access and once a minute). Everything is lost when the process stops.
 */
import { EventEmitter } from 'node:events';
import { FrameForgeError, isAbortError } from '../core/errors.js';
import { newJobId } from './job-id.js';
import { finished, newRecord, started } from './records.js';
import { cancelledError, jobErrorOf, type JobRunner } from './run-job.js';
import { TERMINAL_STATUSES, type JobInput, type JobQueue, type JobRecord, type JobResult } from './types.js';

export interface MemoryQueueOptions {
  run: JobRunner;
  concurrency: number;
  ttlMs: number;
  /** Jobs waiting beyond this are refused with 503 (0 = no bound). */
  maxQueued?: number;
  now?: () => number;
}

interface Entry {
  record: JobRecord;
  input: JobInput | undefined;
  result?: JobResult;
  controller?: AbortController;
  done?: Promise<void>;
  expiresAt: number;
}

const SWEEP_MS = 60_000;

export function createMemoryQueue(options: MemoryQueueOptions): JobQueue {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const waiting: string[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let running = 0;
  let closed = false;

  const set = (entry: Entry, record: JobRecord) => {
    entry.record = record;
    events.emit(record.id, record);
  };

  function live(id: string): Entry | undefined {
    const entry = entries.get(id);
    if (entry && now() >= entry.expiresAt) {
      entry.controller?.abort(new DOMException('The job expired.', 'AbortError'));
      entries.delete(id);
      return undefined;
    }
    return entry;
  }

  const sweep = setInterval(() => {
    for (const id of [...entries.keys()]) live(id);
  }, Math.min(SWEEP_MS, options.ttlMs));
  sweep.unref();

  function pump(): void {
    while (!closed && running < options.concurrency && waiting.length > 0) {
      const entry = live(waiting.shift()!);
      if (entry?.record.status === 'queued') entry.done = start(entry);
    }
  }

  async function start(entry: Entry): Promise<void> {
    running++;
    const controller = new AbortController();
    entry.controller = controller;
    set(entry, started(entry.record, now()));
    try {
      const result = await options.run(entry.input!, controller.signal);
      entry.result = result;
      set(entry, finished(entry.record, 'succeeded', now(), { provider: result.providerId }));
    } catch (error) {
      const cancelled = controller.signal.aborted || isAbortError(error);
      set(entry, finished(entry.record, cancelled ? 'cancelled' : 'failed', now(), { error: cancelled ? cancelledError() : jobErrorOf(error) }));
    } finally {
      entry.input = undefined;
      entry.controller = undefined;
      entry.expiresAt = now() + options.ttlMs;
      running--;
      pump();
    }
  }

  return {
    backend: 'memory',
    async submit(request) {
      if (closed) throw new FrameForgeError('service_unavailable', 'The server is shutting down.', { retryAfter: 5 });
      if (options.maxQueued && waiting.length >= options.maxQueued) {
        throw new FrameForgeError('service_unavailable', 'Too many jobs are waiting.', { retryAfter: 5, hint: 'Try again shortly.' });
      }
      const id = newJobId();
      const at = now();
      const { webhookUrl: _w, owner: _o, ...input } = request;
      const entry: Entry = { record: newRecord(id, request, at), input, expiresAt: at + options.ttlMs };
      entries.set(id, entry);
      waiting.push(id);
      const record = entry.record;
      pump();
      return record;
    },
    async status(id) {
      return live(id)?.record;
    },
    async result(id) {
      const entry = live(id);
      return entry?.record.status === 'succeeded' ? entry.result : undefined;
    },
    async cancel(id) {
      const entry = live(id);
      if (!entry) return undefined;
      if (TERMINAL_STATUSES.has(entry.record.status)) return entry.record;
      if (entry.record.status === 'queued') {
        entry.input = undefined;
        entry.expiresAt = now() + options.ttlMs;
        set(entry, finished(entry.record, 'cancelled', now(), { error: cancelledError() }));
        return entry.record;
      }
      entry.controller?.abort(new DOMException('The job was cancelled.', 'AbortError'));
      await entry.done;
      return entry.record;
    },
    subscribe(id, listener) {
      events.on(id, listener);
      return () => void events.off(id, listener);
    },
    async close() {
      closed = true;
      clearInterval(sweep);
      const pending: Promise<void>[] = [];
      for (const entry of entries.values()) {
        if (entry.controller) {
          entry.controller.abort(new DOMException('The server is shutting down.', 'AbortError'));
          if (entry.done) pending.push(entry.done);
        }
      }
      await Promise.all(pending);
    },
  };
}
