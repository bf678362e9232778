/**
 * Admission control: at most `maxActive` pieces of work in progress and
 * `maxQueued` waiting for a slot, served in arrival order; past that, a
 * refusal at once (`server_busy`, 503, with a Retry-After estimate).
 *
 * Why: an edit holds its whole upload in memory (up to 50 MB) plus the
 * decoded image and the provider's answer, so memory grows with the edits in
 * progress; bounding them bounds memory (sizing: docs/deployment.md). A
 * waiting request costs almost nothing: its body is not read (the socket is
 * left paused, so TCP holds the client back), and one refused is answered
 * before any of its body is read.
 *
 * It knows nothing of HTTP: the edit route holds a slot from before the
 * upload until its answer is written, and any other door (a job runner)
 * can do the same with `acquire` / `release`, or `run`.
 *
 *   const admission = createAdmission({ maxActive: 8, maxQueued: 32 });
 *   const release = await admission.acquire(signal); // throws server_busy when full
 *   try { ...work... } finally { release(); }
 */
import { FrameForgeError } from '../../core/errors.js';

export interface AdmissionOptions {
  /** Work in progress at once (MAX_CONCURRENT_EDITS). */
  maxActive: number;
  /** Work waiting for a slot, in arrival order (MAX_QUEUED_EDITS); 0 refuses whatever finds no free slot. */
  maxQueued: number;
  /** What the refusal calls the work ("edits"). */
  noun?: string;
  now?: () => number;
}

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

export interface Admission {
  /**
   * The same as `acquire`, but synchronous where it can be: a Release when a
   * slot is free, a thrown `server_busy` when full, a promise only when the
   * caller must wait in line.
   */
  enter(signal?: AbortSignal): Release | Promise<Release>;
  /**
   * A slot: at once when one is free, else after the work queued before this.
   * Rejects at once with `server_busy` (retryAfter set) when every slot and
   * queue place is taken, and with the signal's reason if it aborts while
   * waiting (the place in the queue is given up).
   */
  acquire(signal?: AbortSignal): Promise<Release>;
  /** `fn` in a slot; the slot is released however `fn` ends. */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly active: number;
  readonly queued: number;
  /** Seconds a refused client should wait: the queue's length in slot-hold times (1-60). */
  retryAfter(): number;
}

interface Waiter {
  resolve: (release: Release) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Weight of the newest hold time in the moving average behind Retry-After. */
const EWMA_WEIGHT = 0.2;
/** Before any work has finished, a guess at how long a slot is held. */
const INITIAL_HOLD_MS = 5000;
const MAX_RETRY_AFTER = 60;

export function createAdmission(options: AdmissionOptions): Admission {
  const { maxActive, maxQueued } = options;
  const noun = options.noun ?? 'edits';
  const now = options.now ?? Date.now;
  if (!(maxActive >= 1) || !(maxQueued >= 0)) throw new RangeError('createAdmission: maxActive >= 1 and maxQueued >= 0');
  let active = 0;
  let averageHoldMs = INITIAL_HOLD_MS;
  // A plain array: the queue is short (tens) and shift() on it is cheap.
  const waiting: Waiter[] = [];

  function retryAfter(): number {
    const seconds = Math.ceil((averageHoldMs * (waiting.length + 1)) / maxActive / 1000);
    return Math.min(MAX_RETRY_AFTER, Math.max(1, seconds));
  }

  function grant(): Release {
    active++;
    const started = now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      averageHoldMs += EWMA_WEIGHT * (now() - started - averageHoldMs);
      active--;
      // Hand the slot to the longest waiter (aborted ones have left the queue already).
      const next = waiting.shift();
      if (next) {
        next.signal?.removeEventListener('abort', next.onAbort!);
        next.resolve(grant());
      }
    };
  }

  function enter(signal?: AbortSignal): Release | Promise<Release> {
    signal?.throwIfAborted();
    if (active < maxActive && waiting.length === 0) return grant();
    if (waiting.length >= maxQueued) {
      const seconds = retryAfter();
      // "1 edit", "2 edits": the noun is given in the plural.
      const working = `${active} ${active === 1 ? noun.replace(/s$/, '') : noun}`;
      throw new FrameForgeError('server_busy', `The server is busy: ${working} in progress and ${waiting.length} waiting.`, {
        retryAfter: seconds,
        hint: `Try again in ${seconds} s.`,
      });
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { resolve, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = waiting.indexOf(waiter);
          if (index !== -1) waiting.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      waiting.push(waiter);
    });
  }

  async function acquire(signal?: AbortSignal): Promise<Release> {
    return enter(signal);
  }

  return {
    enter,
    acquire,
    async run(fn, signal) {
      const release = await acquire(signal);
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    retryAfter,
  };
}
