/** Fresh request ids: UUIDv7, unique and in order whatever the clock does (policies/request-id.ts). */
import { describe, expect, it } from 'vitest';
import { createRequestIds, newRequestId } from '../../src/server/policies/request-id.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('request ids', () => {
  it('are UUIDv7 carrying the time they were made', () => {
    const before = Date.now();
    const id = newRequestId();
    const after = Date.now();
    expect(id).toMatch(V7);
    expect(msOf(id)).toBeGreaterThanOrEqual(before);
    expect(msOf(id)).toBeLessThanOrEqual(after);
  });

  it('never repeat and sort in the order they were made, many in one millisecond', () => {
    const next = createRequestIds(() => 1_700_000_000_000);
    const ids = Array.from({ length: 10_000 }, next);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(V7);
    // 4096 fit in a millisecond (the 12-bit counter); the rest carried on into the next ones.
    expect(msOf(ids[4095]!)).toBe(1_700_000_000_000);
    expect(msOf(ids[4096]!)).toBe(1_700_000_000_001);
  });

  it('keep their order when the clock steps back', () => {
    let now = 1_700_000_000_500;
    const next = createRequestIds(() => now);
    const first = [next(), next()];
    now -= 400; // e.g. NTP corrected the clock
    const later = [next(), next()];
    now += 1000;
    const last = next();
    const ids = [...first, ...later, last];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(msOf(last)).toBe(now);
  });

  it('differ between makers in the same millisecond (the random bits)', () => {
    const a = createRequestIds(() => 1_700_000_000_000)();
    const b = createRequestIds(() => 1_700_000_000_000)();
    expect(a.slice(0, 18)).toBe(b.slice(0, 18)); // same time and counter
    expect(a).not.toBe(b);
  });
});
