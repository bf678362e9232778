/**
 * Waiting for a job to end, for any client of the JobQueue interface (a
 * `--queue` batch item, a long-polling GET /api/jobs/{id}?wait=N): subscribe
 * first, then read the status, so an end between the two is not missed; read
 * it again now and then, so a lost pub/sub message (Redis restarted) cannot
 * leave the waiter waiting for ever.
 */
import { TERMINAL_STATUSES, type JobQueue, type JobRecord } from './types.js';

export interface WaitOptions {
  /** Stop waiting when this aborts. */
  signal?: AbortSignal;
  /** Stop waiting after this long. */
  timeoutMs?: number;
  /** Read the status again this often (2 s by default). */
  recheckMs?: number;
  /**
   * Whether the waiter may see this record (the job's owner, for a long
   * poll). One that fails it ends the wait as `gone` at once, so a caller can
   * leave its own read out: the wait's first read, made after subscribing,
   * is then the only one.
   */
  visible?: (record: JobRecord) => boolean;
}

export type WaitOutcome =
  /** The job ended: its final record. */
  | { state: 'ended'; record: JobRecord }
  /** Unknown, or expired. */
  | { state: 'gone' }
  /** The signal or the timeout came first: the latest record read, if one was. */
  | { state: 'stopped'; record: JobRecord | undefined };

/** Waits for the job to end, or to be gone, or for the signal or timeout. Rejects only when the status cannot be read. */
export function waitForEnd(jobs: JobQueue, id: string, options: WaitOptions = {}): Promise<WaitOutcome> {
  const { signal } = options;
  return new Promise<WaitOutcome>((resolve, reject) => {
    let latest: JobRecord | undefined;
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      off();
      clearInterval(recheck);
      clearTimeout(timeout);
      signal?.removeEventListener('abort', stop);
      outcome();
    };
    const stop = () => finish(() => resolve({ state: 'stopped', record: latest }));
    const check = (record: JobRecord | undefined) => {
      if (record && options.visible && !options.visible(record)) record = undefined;
      latest = record;
      if (!record) finish(() => resolve({ state: 'gone' }));
      else if (TERMINAL_STATUSES.has(record.status)) finish(() => resolve({ state: 'ended', record }));
    };
    const read = () => void jobs.status(id).then(check, (error: unknown) => finish(() => reject(error as Error)));
    const off = jobs.subscribe(id, check);
    const recheck = setInterval(read, options.recheckMs ?? 2_000);
    const timeout = options.timeoutMs !== undefined ? setTimeout(stop, options.timeoutMs) : undefined;
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) stop();
    else read();
  });
}
