/**
 * The one interface every door uses to run edits asynchronously: the server's
 * job routes and the CLI's `--queue`. Two backends implement it, chosen once
 * at startup (create-queue.ts): in-memory (embedded in `serve`, lost on
 * restart) and BullMQ on Redis (shared by any number of servers and workers).
 */
import type { ImageInput } from '../core/edit.js';
import type { OutputFormat } from '../core/images.js';
import type { LabelOptions } from '../core/staging/label.js';
import type { ErrorCode } from '../core/errors.js';
import type { ProviderKeys } from '../providers/registry.js';
import type { EditOptions } from '../providers/types.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * What a job edits and how: the same fields as POST /api/edit. Plain JSON
 * besides the image bytes: the Redis store carries every field as it is.
 */
export interface JobInput {
  /** The image to edit first, then references. */
  readonly images: readonly ImageInput[];
  readonly prompt?: string;
  /** As the client gave it; the configured default when missing. */
  readonly provider?: string;
  /** Write the "virtually staged" disclosure into the result (on unless false). */
  readonly disclosure?: boolean;
  /** A visible label drawn into the result. */
  readonly label?: LabelOptions;
  /** Use the result cache (CACHE_DIR); false as the form's `cache=false`. */
  readonly cache?: boolean;
  /** `size`, `aspectRatio`: as the form fields `size` and `aspect_ratio`. */
  readonly options?: EditOptions;
  /** The result's format; the input's by default (a `--queue` batch sets it as a local batch would). */
  readonly format?: OutputFormat;
  /** Also make the before/after image (`--compare`): JobResult.compare. */
  readonly compare?: boolean;
  /** How many results (form field `variations`); 1 when absent. */
  readonly variations?: number;
  /** Keys brought by the request; they are used for this job only. */
  readonly keys?: ProviderKeys;
  /** False when the server was told to spend no key of its own (REQUIRE_CLIENT_KEYS). */
  readonly serverKeys?: boolean;
}

export interface JobRequest extends JobInput {
  /** Called with {id, status, result_url, result_urls, error?} when the job ends. */
  readonly webhookUrl?: string;
  /** Who may see the job (an access token's id); anyone with the id when missing. */
  readonly owner?: string;
}

export interface JobError {
  readonly code: ErrorCode;
  readonly detail: string;
}

/** A job as GET /api/jobs/{id} shows it (dates as ISO 8601, null until they happen). */
export interface JobRecord {
  readonly id: string;
  readonly status: JobStatus;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  /** How many times a worker started it (more than 1 after a worker died mid-job). */
  readonly attempts: number;
  readonly provider: string;
  /** How many results the job makes (1 unless the form asked for more). */
  readonly variations?: number;
  readonly error?: JobError;
  readonly owner?: string;
  readonly webhook_url?: string;
}

export interface JobResult {
  /** The first (or only) result. */
  readonly data: Buffer;
  /**
   * The same bytes as `data`, in pieces (EditOutcome.chunks: the image and the
   * disclosure put into it), when the job ran in this process: stored and sent
   * as they are, so `data` (made from them on first read) is never needed.
   */
  readonly chunks?: readonly Buffer[];
  /** Every result when the job made several variations, in order (the first is `data`). */
  readonly variations?: readonly Buffer[];
  /** With `compare` and several variations: each one's before/after, in order (the first is `compare`). */
  readonly variationCompares?: readonly Buffer[];
  readonly mimeType: string;
  readonly providerId: string;
  readonly mock: boolean;
  readonly fallback?: 'mock';
  /** What a `--queue` batch records per item, as a local batch does (older results lack them). */
  readonly model?: string;
  /** Provider calls the edit took (retries included; 0 when the cache answered). */
  readonly attempts?: number;
  readonly warnings?: readonly string[];
  readonly requestId?: string;
  readonly cached?: boolean;
  /** Estimated US dollars the edit cost (0 for a cache hit or the mock); undefined when unknown. */
  readonly costUsd?: number;
  /** The before/after JPEG, when the job asked for it. */
  readonly compare?: Buffer;
}

/** A job's place in line, taken before its upload is read (see JobQueue.reserve). */
export interface JobPlace {
  /** Gives the place back unused (the upload failed; nothing was submitted). */
  cancel(): void;
}

export interface JobQueue {
  readonly backend: 'memory' | 'redis';
  /**
   * The embedded queue only: a place for one job among the server's edit slots,
   * taken before its upload is read so that a full server refuses at once
   * (server_busy, 503 with Retry-After). Pass it to `submit`, or cancel it.
   */
  reserve?(): JobPlace;
  /** Stores the input and queues the job (in `place`, when one was reserved); resolves once it is safely queued. */
  submit(request: JobRequest, place?: JobPlace): Promise<JobRecord>;
  /** The job's record, or undefined when unknown or expired. */
  status(id: string): Promise<JobRecord | undefined>;
  /** The result image of a succeeded job, or undefined. */
  result(id: string): Promise<JobResult | undefined>;
  /**
   * Cancels a queued or running job (a running provider call is aborted) and
   * resolves with its record once it has ended, or as it stands when that takes long.
   * A job that already ended is left as it is. Undefined when unknown.
   */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** Calls `listener` with the job's record at each change of status; returns the unsubscribe. */
  subscribe(id: string, listener: (record: JobRecord) => void): () => void;
  /** Stops taking work, aborts what runs here, and releases connections. */
  close(): Promise<void>;
}
