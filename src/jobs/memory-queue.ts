/**
 * The embedded backend: jobs run in this process, in the server's edit slots.
 * They share the admission policy of POST /api/edit (MAX_CONCURRENT_EDITS at
 * once, MAX_QUEUED_EDITS waiting, in arrival order; past that, 503
 * server_busy with Retry-After), because a job holds the same memory an edit
 * does. A job takes its place before its upload is read (`reserve`), so a
 * full server refuses it before reading the body, as it does an edit.
 *
 * Inputs are dropped as soon as a job ends; records and results are kept for
 * the TTL after that (expired ones are swept on access and once a minute).
 * Everything is lost when the process stops.
 */
import { EventEmitter } from 'node:events';
import { FrameForgeError, isAbortError } from '../core/errors.js';
import type { Admission, Release } from '../server/policies/admission.js';
import { newJobId } from './job-id.js';
import { finished, newRecord, started } from './records.js';
import { cancelledError, jobErrorOf, type JobRunner } from './run-job.js';
import { TERMINAL_STATUSES, type JobInput, type JobPlace, type JobQueue, type JobRecord, type JobResult } from './types.js';

export interface MemoryQueueOptions {
  run: JobRunner;
  /** The slots jobs run in, shared with POST /api/edit (server/policies/admission.ts). */
  admission: Pick<Admission, 'enter'>;
  ttlMs: number;
  now?: () => number;
}

/** A place in the admission line: a slot at once, or a promise of one; its controller gives it up (or aborts the job). */
interface Place extends JobPlace {
  readonly controller: AbortController;
  readonly entered: Release | Promise<Release>;
}

interface Entry {
  record: JobRecord;
  input: JobInput | undefined;
  result?: JobResult;
  place: Place;
  done?: Promise<void>;
  expiresAt: number;
}

const SWEEP_MS = 60_000;

/** Takes a place now: throws server_busy when every slot and queue place is taken. */
function takePlace(admission: Pick<Admission, 'enter'>): Place {
  const controller = new AbortController();
  const entered = admission.enter(controller.signal);
  // A place given up while waiting rejects; whoever waited for it has stopped caring.
  if (typeof entered !== 'function') entered.catch(() => {});
  return {
    controller,
    entered,
    cancel() {
      controller.abort(new DOMException('The job gave up its place.', 'AbortError'));
      if (typeof entered === 'function') entered();
      // Granted in the meantime: hand the slot straight back.
      else void entered.then((release) => release(), () => {});
    },
  };
}

export function createMemoryQueue(options: MemoryQueueOptions): JobQueue {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let closed = false;

  const set = (entry: Entry, record: JobRecord) => {
    entry.record = record;
    events.emit(record.id, record);
  };

  function live(id: string): Entry | undefined {
    const entry = entries.get(id);
    if (entry && now() >= entry.expiresAt) {
      entry.place.controller.abort(new DOMException('The job expired.', 'AbortError'));
      entries.delete(id);
      return undefined;
    }
    return entry;
  }

  const sweep = setInterval(() => {
    for (const id of [...entries.keys()]) live(id);
  }, Math.min(SWEEP_MS, options.ttlMs));
  sweep.unref();

  /** Waits for the job's slot, runs it in the slot, and gives the slot back. */
  async function run(entry: Entry): Promise<void> {
    let release: Release;
    try {
      release = await entry.place.entered;
    } catch {
      return; // Gave up its place while waiting: cancelled, expired, or the server is closing.
    }
    try {
      // Cancelled (or the server closed) between the grant and now.
      if (closed || entry.record.status !== 'queued' || !entry.input) return;
      const { signal } = entry.place.controller;
      set(entry, started(entry.record, now()));
      try {
        const result = await options.run(entry.input, signal);
        entry.result = result;
        set(entry, finished(entry.record, 'succeeded', now(), { provider: result.providerId }));
      } catch (error) {
        const cancelled = signal.aborted || isAbortError(error);
        set(entry, finished(entry.record, cancelled ? 'cancelled' : 'failed', now(), { error: cancelled ? cancelledError() : jobErrorOf(error) }));
      } finally {
        entry.input = undefined;
        entry.expiresAt = now() + options.ttlMs;
      }
    } finally {
      release();
    }
  }

  return {
    backend: 'memory',
    reserve() {
      if (closed) throw new FrameForgeError('service_unavailable', 'The server is shutting down.', { retryAfter: 5 });
      return takePlace(options.admission);
    },
    async submit(request, reserved) {
      if (closed) {
        reserved?.cancel();
        throw new FrameForgeError('service_unavailable', 'The server is shutting down.', { retryAfter: 5 });
      }
      const place = (reserved as Place | undefined) ?? takePlace(options.admission);
      const id = newJobId();
      const at = now();
      const { webhookUrl: _w, owner: _o, ...input } = request;
      const entry: Entry = { record: newRecord(id, request, at), input, place, expiresAt: at + options.ttlMs };
      entries.set(id, entry);
      const record = entry.record;
      entry.done = run(entry);
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
        // Leaves the line at once; a slot granted in the meantime is given back by run().
        entry.place.controller.abort(new DOMException('The job was cancelled.', 'AbortError'));
        return entry.record;
      }
      entry.place.controller.abort(new DOMException('The job was cancelled.', 'AbortError'));
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
        if (TERMINAL_STATUSES.has(entry.record.status)) continue;
        // Running ones are cancelled (they would be lost anyway); waiting ones leave the line.
        entry.place.controller.abort(new DOMException('The server is shutting down.', 'AbortError'));
        if (entry.done) pending.push(entry.done);
      }
      await Promise.all(pending);
    },
  };
}
