/**
 * Edge cases of the per-request policies that the server tests do not reach:
 * the client IP behind a proxy, key headers with odd spacing, and the rate
 * limiter's bookkeeping when it is full.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIp } from '../../src/server/policies/client-ip.js';
import { createRateLimiter } from '../../src/server/policies/rate-limit.js';
import { keysFromHeaders, requestSecrets } from '../../src/server/policies/request-keys.js';

const request = (headers: IncomingMessage['headers'], remoteAddress: string | undefined = '10.0.0.1') =>
  ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('clientIp', () => {
  it('ignores X-Forwarded-For unless the proxy is trusted', () => {
    expect(clientIp(request({ 'x-forwarded-for': '203.0.113.9' }), false)).toBe('10.0.0.1');
    expect(clientIp(request({ 'x-forwarded-for': '203.0.113.9' }), true)).toBe('203.0.113.9');
  });

  it('takes the last entry (the one our proxy added), trimmed, skipping empty ones', () => {
    expect(clientIp(request({ 'x-forwarded-for': '198.51.100.1,  203.0.113.9 ' }), true)).toBe('203.0.113.9');
    expect(clientIp(request({ 'x-forwarded-for': '203.0.113.9, ,' }), true)).toBe('203.0.113.9');
    expect(clientIp(request({ 'x-forwarded-for': ['198.51.100.1', '203.0.113.7'] as unknown as string }), true)).toBe('203.0.113.7');
  });

  it('falls back to the socket address, or "unknown"', () => {
    expect(clientIp(request({ 'x-forwarded-for': ' , ' }), true)).toBe('10.0.0.1');
    expect(clientIp(request({}), true)).toBe('10.0.0.1');
    expect(clientIp({ headers: {}, socket: {} } as unknown as IncomingMessage, false)).toBe('unknown');
  });
});

describe('key headers', () => {
  it('trims values and ignores blank ones', () => {
    expect(keysFromHeaders({ 'x-google-api-key': '  g1  ', 'x-fal-key': '   ' })).toEqual({ google: 'g1' });
    expect(requestSecrets({ 'x-fal-key': '   ' })).toEqual([]);
  });

  it('a blank header gives way to the next one for the same provider; a set one wins over it', () => {
    expect(keysFromHeaders({ 'x-google-api-key': ' ', 'x-gemini-api-key': 'g2', 'x-fal-key': '', authorization: 'Key f2' })).toEqual({ google: 'g2', fal: 'f2' });
    expect(keysFromHeaders({ 'x-google-api-key': 'g1', 'x-gemini-api-key': 'g2', 'x-fal-key': 'f1', authorization: 'Key f2' })).toEqual({ google: 'g1', fal: 'f1' });
    expect(keysFromHeaders({})).toEqual({});
  });

  it('a repeated header counts by its first value', () => {
    const repeated = { 'x-google-api-key': [' g1 ', 'g2'], 'x-fal-key': ['', 'f2'] } as unknown as IncomingMessage['headers'];
    expect(keysFromHeaders(repeated)).toEqual({ google: 'g1' });
    expect(requestSecrets(repeated)).toEqual(['g1']);
  });

  it('Authorization gives a fal key only as exactly "Key <key>"', () => {
    expect(keysFromHeaders({ authorization: 'Key   f1' })).toEqual({ fal: 'f1' });
    expect(keysFromHeaders({ authorization: 'key f1' })).toEqual({ fal: 'f1' });
    expect(keysFromHeaders({ authorization: 'Bearer Key f1' })).toEqual({});
    expect(keysFromHeaders({ authorization: 'Key f1 f2' })).toEqual({});
    expect(keysFromHeaders({ authorization: 'Keyf1' })).toEqual({});
  });

  it('the bare token of a two-word Authorization is a secret too, whatever the spacing; three words are one secret', () => {
    expect(requestSecrets({ authorization: 'Bearer   tok' })).toEqual(['Bearer   tok', 'tok']);
    expect(requestSecrets({ authorization: 'a b c' })).toEqual(['a b c']);
    expect(requestSecrets({ 'x-google-api-key': 'g', 'x-gemini-api-key': 'm', 'x-fal-key': 'f' })).toEqual(['g', 'm', 'f']);
  });
});

describe('rate limiter when full', () => {
  it('a window that ends exactly now is expired and swept', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 100, maxClients: 2, now: () => now });
    limiter.take('a');
    limiter.take('b');
    now = 100;
    limiter.take('c');
    expect(limiter.size).toBe(1);
  });

  it('a renewed window counts as the newest: the oldest live window is dropped first', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 100, maxClients: 3, now: () => now });
    limiter.take('a');
    now = 50;
    limiter.take('b');
    now = 120;
    expect(limiter.take('a').allowed).toBe(true); // a's window renewed at 120 (not full: no sweep); b's runs to 150
    now = 130;
    limiter.take('c');
    now = 140;
    limiter.take('d'); // full, nothing expired: b is the oldest window now, not a
    expect(limiter.size).toBe(3);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('tracks at most 100 000 clients by default, forgiving the oldest', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, now: () => 0 });
    for (let i = 0; i <= 100_000; i++) limiter.take(`c${i}`);
    expect(limiter.size).toBe(100_000);
    expect(limiter.take('c0').allowed).toBe(true);
    expect(limiter.take('c100000').allowed).toBe(false);
  });

  it('sweeps only when full (the sweep walks every window)', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 100, maxClients: 10, now: () => now });
    limiter.take('a');
    now = 200;
    limiter.take('b');
    expect(limiter.size).toBe(2);
  });
});
