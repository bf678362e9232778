/** The in-memory handoff between `serve` and its own worker: held briefly, within a byte budget, oldest out first. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalHandoff } from '../../src/jobs/handoff.js';
import type { JobInput, JobResult } from '../../src/jobs/types.js';

const input = (bytes: number): JobInput => ({ images: [{ name: 'room.jpg', data: Buffer.alloc(bytes, 1) }], provider: 'mock' });
const result = (bytes: number): JobResult => ({ data: Buffer.alloc(bytes, 2), mimeType: 'image/jpeg', providerId: 'mock', mock: true });

afterEach(() => {
  vi.useRealTimers();
});

describe('LocalHandoff', () => {
  it('gives an input and a result once each', () => {
    const handoff = new LocalHandoff(60_000);
    const a = input(10);
    handoff.putInput('a', a);
    expect(handoff.takeInput('a')).toBe(a);
    expect(handoff.takeInput('a')).toBeUndefined();
    const r = result(10);
    handoff.putResult('a', r);
    expect(handoff.takeResult('b')).toBeUndefined();
    expect(handoff.takeResult('a')).toBe(r);
    expect(handoff.takeResult('a')).toBeUndefined();
  });

  it('lets the oldest go when the byte budget is reached, and keeps nothing larger than the budget', () => {
    const handoff = new LocalHandoff(60_000, 30_000, 100);
    handoff.putResult('a', result(40));
    handoff.putResult('b', result(40));
    handoff.putResult('c', result(40));
    expect(handoff.takeResult('a')).toBeUndefined();
    expect(handoff.takeResult('b')).toBeDefined();
    expect(handoff.takeResult('c')).toBeDefined();
    handoff.putInput('big', input(101));
    expect(handoff.takeInput('big')).toBeUndefined();
    // The budget counts what is held now: taking frees it.
    handoff.putInput('x', input(60));
    handoff.takeInput('x');
    handoff.putInput('y', input(60));
    handoff.putInput('z', input(40));
    expect(handoff.takeInput('y')).toBeDefined();
    expect(handoff.takeInput('z')).toBeDefined();
  });

  it('forgets an entry after the hold, never later than the jobs\' TTL', () => {
    vi.useFakeTimers();
    const handoff = new LocalHandoff(5_000, 30_000);
    handoff.putResult('a', result(1));
    handoff.putResult('b', result(1));
    handoff.putInput('a', input(1));
    vi.advanceTimersByTime(4_999);
    expect(handoff.takeResult('a')).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(handoff.takeResult('b')).toBeUndefined();
    expect(handoff.takeInput('a')).toBeUndefined();
  });
});
