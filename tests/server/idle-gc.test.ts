/**
 * The idle collector (src/server/idle-gc.ts): one major collection once the
 * server has been quiet for a while and still holds many buffers; nothing
 * while requests are in flight, below the threshold, or without V8's gc.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdleCollector } from '../../src/server/idle-gc.js';

const MB = 1024 * 1024;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A collector whose first quiet moment finds `floor` held (the idle floor), and `held` after that. */
function setup(held: number, floor = 20 * MB) {
  const state = { inFlight: 0, held: floor };
  const gc = vi.fn();
  const collector = createIdleCollector({ delayMs: 1000, thresholdBytes: 32 * MB, inFlight: () => state.inFlight, gc, heldBytes: () => state.held });
  collector.idle();
  vi.advanceTimersByTime(1000);
  state.held = held;
  return { state, gc, collector };
}

describe('createIdleCollector', () => {
  it('collects once, asynchronously and fully, a quiet second after a burst left buffers held', () => {
    const { gc, collector } = setup(300 * MB);
    collector.idle();
    collector.idle(); // every quiet moment calls it; one check is pending
    vi.advanceTimersByTime(999);
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(gc).toHaveBeenCalledTimes(1);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'async' });
  });

  it('does not collect while a request is in flight at that moment, and looks again at the next quiet moment', () => {
    const { state, gc, collector } = setup(300 * MB);
    collector.idle();
    state.inFlight = 1;
    vi.advanceTimersByTime(1000);
    expect(gc).not.toHaveBeenCalled();
    state.inFlight = 0;
    collector.idle();
    vi.advanceTimersByTime(1000);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('never collects at its idle floor', () => {
    const { gc } = setup(300 * MB, 300 * MB);
    expect(gc).not.toHaveBeenCalled();
  });

  it('leaves a server holding little above its floor alone, and stop() cancels a pending check', () => {
    const small = setup(50 * MB);
    small.collector.idle();
    vi.advanceTimersByTime(5000);
    expect(small.gc).not.toHaveBeenCalled();
    const stopped = setup(300 * MB);
    stopped.collector.idle();
    stopped.collector.stop();
    vi.advanceTimersByTime(5000);
    expect(stopped.gc).not.toHaveBeenCalled();
  });

  it('does nothing without V8 gc exposed', () => {
    const collector = createIdleCollector({ inFlight: () => 0, gc: undefined, heldBytes: () => 1e12 });
    expect(() => {
      collector.idle();
      vi.advanceTimersByTime(5000);
    }).not.toThrow();
  });
});
