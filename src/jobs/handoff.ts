/**
 * `serve` running its own worker (no --no-worker) hands a job's input to that
 * worker in memory, and the worker hands the result back, so the process
 * does not read back from Redis the megabytes it has just written there.
 * Redis still holds both (other workers and servers read them there, and they
 * survive this process); this only saves the reads, which with the transfers,
 * copies and collections they bring were most of a job's overhead over
 * /api/edit (issue 12's benchmark). Entries are held briefly and within a byte
 * budget; whatever is not here is read from Redis as before.
 *
 * With the result comes the job's final record: an ended job's record never
 * changes again (the end is written once, redis-store.ts), so until the
 * result is fetched, GET /api/jobs/{id} and the result's own lookup answer
 * from it without a Redis round trip, and a long poll waiting here learns of
 * the end from the worker at once rather than from Redis's announcement.
 * Nothing is held past the moment Redis lets the record expire (finished_at
 * plus the TTL: finished_at is set before the end is written).
 */
import { piecesLength } from '../core/image-pieces.js';
import type { JobInput, JobRecord, JobResult } from './types.js';

/** How long an entry is kept: a client fetches a result as soon as its long poll answers. */
const HOLD_MS = 10_000;
/** Bytes held per kind (inputs, results); past it the oldest go first. */
const MAX_BYTES = 32 * 1024 * 1024;

class Held<T> {
  private readonly entries = new Map<string, { value: T; bytes: number; timer: NodeJS.Timeout; until: number }>();
  private bytes = 0;

  constructor(
    private readonly sizeOf: (value: T) => number,
    private readonly holdMs: number,
    private readonly maxBytes: number,
  ) {}

  /** Holds `value` for the hold time, or `holdMs` when shorter. */
  put(id: string, value: T, holdMs = this.holdMs): void {
    this.take(id);
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes || holdMs <= 0) return;
    for (const [oldest] of this.entries) {
      if (this.bytes + bytes <= this.maxBytes) break;
      this.take(oldest);
    }
    const hold = Math.min(holdMs, this.holdMs);
    const timer = setTimeout(() => this.take(id), hold);
    timer.unref();
    // The timer may fire late (a busy event loop): reads check the time themselves.
    this.entries.set(id, { value, bytes, timer, until: Date.now() + hold });
    this.bytes += bytes;
  }

  peek(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (entry && Date.now() >= entry.until) return void this.take(id);
    return entry?.value;
  }

  take(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    this.bytes -= entry.bytes;
    if (Date.now() >= entry.until) return undefined;
    return entry.value;
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.take(id);
  }
}

// From the pieces an upload came in when it has them: reading `data` would join them, a copy of the upload.
const inputBytes = (input: JobInput) => input.images.reduce((sum, image) => sum + (image.pieces ? piecesLength(image.pieces) : image.data.length), 0);
/** A job's end as the worker here wrote it: its final record and its result. */
interface Ended {
  record: JobRecord;
  result: JobResult;
}

const resultBytes = ({ result }: Ended) =>
  [...(result.chunks ?? [result.data]), result.compare, ...(result.variations ?? []).slice(1), ...(result.variationCompares ?? []).slice(1)].reduce(
    (sum, b) => sum + (b?.length ?? 0),
    0,
  );

export class LocalHandoff {
  private readonly inputs: Held<JobInput>;
  private readonly results: Held<Ended>;
  private readonly endListeners = new Set<(record: JobRecord) => void>();

  /** `ttlMs`: the jobs' TTL; nothing is held longer. */
  constructor(
    private readonly ttlMs: number,
    holdMs = HOLD_MS,
    maxBytes = MAX_BYTES,
  ) {
    const hold = Math.min(holdMs, ttlMs);
    this.inputs = new Held(inputBytes, hold, maxBytes);
    this.results = new Held(resultBytes, hold, maxBytes);
  }

  /** The server has queued the job (its input is in Redis too). */
  putInput(id: string, input: JobInput): void {
    this.inputs.put(id, input);
  }

  /** The worker takes the input of a job this process queued; undefined: read it from Redis. */
  takeInput(id: string): JobInput | undefined {
    return this.inputs.take(id);
  }

  /**
   * The worker here ended the job with this result and this final record (both
   * written to Redis first); whoever listens here is told at once.
   */
  putResult(record: JobRecord, result: JobResult): void {
    const expires = Date.parse(record.finished_at ?? '') + this.ttlMs;
    // A record without an end time is not final: hold nothing rather than guess its expiry.
    if (Number.isFinite(expires)) this.results.put(record.id, { record, result }, expires - Date.now());
    for (const listener of this.endListeners) listener(record);
  }

  /** Called with each record the worker here ends with a result; returns the unsubscribe. */
  onEnd(listener: (record: JobRecord) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** The final record of a job the worker here ended, while its result is held. */
  endedRecord(id: string): JobRecord | undefined {
    return this.results.peek(id)?.record;
  }

  /**
   * The result of a job this process's worker ran, once: held memory is let go
   * at the first read (a second read, like any other, is from Redis).
   */
  takeResult(id: string): JobResult | undefined {
    return this.results.take(id)?.result;
  }

  clear(): void {
    this.inputs.clear();
    this.results.clear();
    this.endListeners.clear();
  }
}
