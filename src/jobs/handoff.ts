/**
 * `serve` running its own worker (no --no-worker) hands a job's input to that
 * worker in memory, and the worker hands the result back, so the process
 * does not read back from Redis the megabytes it has just written there.
 * Redis still holds both (other workers and servers read them there, and they
 * survive this process); this only saves the reads, which with the transfers,
 * copies and collections they bring were most of a job's overhead over
 * /api/edit (issue 12's benchmark). Entries are held briefly and within a byte
 * budget; whatever is not here is read from Redis as before.
 */
import type { JobInput, JobResult } from './types.js';

/** How long an entry is kept: a client fetches a result as soon as its long poll answers. */
const HOLD_MS = 10_000;
/** Bytes held per kind (inputs, results); past it the oldest go first. */
const MAX_BYTES = 32 * 1024 * 1024;

class Held<T> {
  private readonly entries = new Map<string, { value: T; bytes: number; timer: NodeJS.Timeout }>();
  private bytes = 0;

  constructor(
    private readonly sizeOf: (value: T) => number,
    private readonly holdMs: number,
    private readonly maxBytes: number,
  ) {}

  put(id: string, value: T): void {
    this.take(id);
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    for (const [oldest] of this.entries) {
      if (this.bytes + bytes <= this.maxBytes) break;
      this.take(oldest);
    }
    const timer = setTimeout(() => this.take(id), this.holdMs);
    timer.unref();
    this.entries.set(id, { value, bytes, timer });
    this.bytes += bytes;
  }

  take(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    this.bytes -= entry.bytes;
    return entry.value;
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.take(id);
  }
}

const inputBytes = (input: JobInput) => input.images.reduce((sum, image) => sum + image.data.length, 0);
const resultBytes = (result: JobResult) =>
  [...(result.chunks ?? [result.data]), result.compare, ...(result.variations ?? []).slice(1), ...(result.variationCompares ?? []).slice(1)].reduce(
    (sum, b) => sum + (b?.length ?? 0),
    0,
  );

export class LocalHandoff {
  private readonly inputs: Held<JobInput>;
  private readonly results: Held<JobResult>;

  /** `ttlMs`: the jobs' TTL; nothing is held longer. */
  constructor(ttlMs: number, holdMs = HOLD_MS, maxBytes = MAX_BYTES) {
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

  /** The worker ended the job with this result (stored in Redis too). */
  putResult(id: string, result: JobResult): void {
    this.results.put(id, result);
  }

  /**
   * The result of a job this process's worker ran, once: held memory is let go
   * at the first read (a second read, like any other, is from Redis).
   */
  takeResult(id: string): JobResult | undefined {
    return this.results.take(id);
  }

  clear(): void {
    this.inputs.clear();
    this.results.clear();
  }
}
