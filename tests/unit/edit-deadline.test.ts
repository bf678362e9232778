/**
 * The edit's signal (src/core/edit-deadline.ts): the caller's signal or the
 * deadline, whichever comes first, with the reasons AbortSignal.any and
 * AbortSignal.timeout give; nothing left behind once cleared.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditDeadline } from '../../src/core/edit-deadline.js';
import { isAbortError } from '../../src/core/errors.js';

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

describe('EditDeadline', () => {
  it('aborts with a TimeoutError when the time is up, and says it timed out', () => {
    const deadline = new EditDeadline(1000);
    vi.advanceTimersByTime(999);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).name).toBe('TimeoutError');
    expect(isAbortError(deadline.signal.reason)).toBe(true);
    expect(deadline.timedOut).toBe(true);
  });

  it("aborts with the caller's reason when the caller's signal aborts first, or already had", () => {
    const caller = new AbortController();
    const deadline = new EditDeadline(1000, caller.signal);
    caller.abort(new Error('closed'));
    expect((deadline.signal.reason as Error).message).toBe('closed');
    expect(deadline.timedOut).toBe(false);
    expect(new EditDeadline(1000, caller.signal).signal.reason).toBe(caller.signal.reason);
  });

  it("after clear(), neither the deadline nor the caller's signal aborts it, and no listener is left on the caller's", () => {
    const caller = new AbortController();
    const listen = vi.spyOn(caller.signal, 'addEventListener');
    const unlisten = vi.spyOn(caller.signal, 'removeEventListener');
    const deadline = new EditDeadline(1000, caller.signal);
    deadline.clear();
    expect(unlisten).toHaveBeenCalledWith('abort', listen.mock.calls[0]![1]);
    vi.advanceTimersByTime(5000);
    caller.abort();
    expect(deadline.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
