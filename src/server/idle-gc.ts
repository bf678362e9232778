/**
 * Gives memory back after a burst of uploads. An upload's bytes live in
 * buffers outside V8's heap, freed only when a collection finds them
 * unreachable; V8 collects when the heap or those buffers grow, so after the
 * last answer of a burst nothing more is allocated and nothing is collected:
 * the process kept the whole burst's buffers resident (hundreds of MB after
 * 50 uploads of 10 MB) until the next traffic. Once the server has had no
 * request in flight for `delayMs` and holds more than `thresholdBytes` of
 * buffers above the least it held at such a moment (its idle floor: the web
 * page, sharp), one major collection runs (off the main thread where V8 can),
 * and the memory goes back to the allocator (issue 15). (glibc may still
 * keep some of it in its heap: MALLOC_MMAP_THRESHOLD_ would unmap large
 * buffers when freed, but every 10 MB upload then paid its page faults anew,
 * about twice the CPU per upload on the benchmark's machine.)
 *
 * It needs V8's gc function, which `frameforge serve` exposes with
 * --expose-gc (bin/serve-flags.js); without it (an embedder's process) this
 * does nothing and V8's own schedule applies.
 */

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void | Promise<void>;

export interface IdleCollector {
  /** The server has no request in flight (called on every such moment: cheap, one timer at most). */
  idle(): void;
  /** Stops the pending check (the server is closing). */
  stop(): void;
}

export interface IdleCollectorOptions {
  delayMs?: number;
  thresholdBytes?: number;
  /** How busy the server is now; the check runs only when this is 0. */
  inFlight: () => number;
  /** The gc function; globalThis.gc by default (present with --expose-gc). */
  gc?: GcFunction | undefined;
  /** Bytes held in ArrayBuffers (Buffers); process.memoryUsage().arrayBuffers by default. */
  heldBytes?: () => number;
}

const MB = 1024 * 1024;

export function createIdleCollector(options: IdleCollectorOptions): IdleCollector {
  const gc = options.gc ?? (globalThis as { gc?: GcFunction }).gc;
  const delayMs = options.delayMs ?? 1000;
  const threshold = options.thresholdBytes ?? 32 * MB;
  const heldBytes = options.heldBytes ?? (() => process.memoryUsage().arrayBuffers);
  let timer: NodeJS.Timeout | undefined;
  let floor = Infinity;
  if (typeof gc !== 'function') return { idle() {}, stop() {} };

  const check = () => {
    timer = undefined;
    if (options.inFlight() !== 0) return;
    const held = heldBytes();
    floor = Math.min(floor, held);
    if (held - floor <= threshold) return;
    void Promise.resolve(gc({ type: 'major', execution: 'async' })).catch(() => undefined);
  };
  return {
    idle() {
      // Requests in between push nothing back: a quiet second after a burst is what counts,
      // and check() looks again at that moment.
      timer ??= setTimeout(check, delayMs).unref();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
