/**
 * The in-memory handoff between `serve` and its own worker: held briefly, within a byte budget, oldest out first;
 * a result with its final record, never past the moment Redis lets that record expire.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalHandoff } from '../../src/jobs/handoff.js';
import type { JobInput, JobRecord, JobResult } from '../../src/jobs/types.js';

const input = (bytes: number): JobInput => ({ images: [{ name: 'room.jpg', data: Buffer.alloc(bytes, 1) }], provider: 'mock' });
const result = (bytes: number): JobResult => ({ data: Buffer.alloc(bytes, 2), mimeType: 'image/jpeg', providerId: 'mock', mock: true });

/** A job that ended at `at` (now, unless given). */
const ended = (id: string, at = new Date()): JobRecord => {
  const iso = at.toISOString();
  return { id, status: 'succeeded', created_at: iso, started_at: iso, finished_at: iso, attempts: 1, provider: 'mock' };
};

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
    handoff.putResult(ended('a'), r);
    expect(handoff.takeResult('b')).toBeUndefined();
    expect(handoff.takeResult('a')).toBe(r);
    expect(handoff.takeResult('a')).toBeUndefined();
  });

  it('lets the oldest go when the byte budget is reached, and keeps nothing larger than the budget', () => {
    const handoff = new LocalHandoff(60_000, 30_000, 100);
    handoff.putResult(ended('a'), result(40));
    handoff.putResult(ended('b'), result(40));
    handoff.putResult(ended('c'), result(40));
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
    handoff.putResult(ended('a'), result(1));
    handoff.putResult(ended('b'), result(1));
    handoff.putInput('a', input(1));
    vi.advanceTimersByTime(4_999);
    expect(handoff.takeResult('a')).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(handoff.takeResult('b')).toBeUndefined();
    expect(handoff.takeInput('a')).toBeUndefined();
  });

  it('holds the final record with the result until the result is taken', () => {
    const handoff = new LocalHandoff(60_000);
    const record = ended('a');
    handoff.putResult(record, result(10));
    expect(handoff.endedRecord('a')).toBe(record);
    expect(handoff.endedRecord('a')).toBe(record);
    expect(handoff.endedRecord('b')).toBeUndefined();
    handoff.takeResult('a');
    expect(handoff.endedRecord('a')).toBeUndefined();
  });

  it('holds nothing past finished_at plus the TTL, when Redis lets the record go, even with a late timer', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    vi.useFakeTimers({ now });
    const handoff = new LocalHandoff(5_000, 30_000);
    // Ended 4 s ago: 1 s of its TTL left.
    handoff.putResult(ended('a', new Date(now - 4_000)), result(1));
    expect(handoff.endedRecord('a')).toBeDefined();
    // The clock passes the end without the timer having run (a busy event loop).
    vi.setSystemTime(now + 1_000);
    expect(handoff.endedRecord('a')).toBeUndefined();
    expect(handoff.takeResult('a')).toBeUndefined();
    // Already expired, or without an end time: not held at all.
    handoff.putResult(ended('b', new Date(now - 5_000)), result(1));
    handoff.putResult({ ...ended('c'), finished_at: null }, result(1));
    expect(handoff.takeResult('b')).toBeUndefined();
    expect(handoff.takeResult('c')).toBeUndefined();
  });

  it('tells its listeners of each end at once, until they unsubscribe', () => {
    const handoff = new LocalHandoff(60_000);
    const told: string[] = [];
    const off = handoff.onEnd((record) => told.push(record.id));
    handoff.putResult(ended('a'), result(1));
    off();
    handoff.putResult(ended('b'), result(1));
    expect(told).toEqual(['a']);
  });
});
