/** The small pieces whose edge cases are awkward to reach over HTTP. */
import { describe, expect, it } from 'vitest';
import { pickEncoding } from '../../src/server/compress.js';
import { createLogger, isoTime } from '../../src/server/logger.js';
import { cleanFileName } from '../../src/server/multipart.js';
import { createRateLimiter } from '../../src/server/policies/rate-limit.js';
import { keysFromHeaders, requestSecrets } from '../../src/server/policies/request-keys.js';

describe('rate limiter', () => {
  it('resets a client after its window and reports the wait', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 10_000, now: () => now });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(true);
    now = 4_000;
    expect(limiter.take('a')).toMatchObject({ allowed: false, retryAfter: 6 });
    expect(limiter.take('b').allowed).toBe(true);
    now = 10_000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('keeps memory bounded under many addresses', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 5, windowMs: 60_000, maxClients: 100, now: () => now++ });
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it('when full, sweeps the expired windows and keeps the live ones with their counts', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 100, maxClients: 3, now: () => now });
    limiter.take('old-1');
    limiter.take('old-2');
    now = 50;
    expect(limiter.take('live').allowed).toBe(true);
    now = 120; // old-1 and old-2 have expired; live runs until 150
    expect(limiter.take('new').allowed).toBe(true);
    expect(limiter.size).toBe(2);
    // live's window survived the sweep: its one request is still counted.
    expect(limiter.take('live')).toEqual({ allowed: false, retryAfter: 1 });
    expect(limiter.take('new').allowed).toBe(false);
    expect(limiter.size).toBe(2);
  });

  it('when full of live windows, drops the oldest first (forgiving it), never the newest', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, maxClients: 2, now: () => now });
    limiter.take('first');
    now = 1;
    limiter.take('second');
    now = 2;
    expect(limiter.take('third').allowed).toBe(true);
    expect(limiter.size).toBe(2);
    expect(limiter.take('second').allowed).toBe(false);
    expect(limiter.take('third').allowed).toBe(false);
    // first was dropped: it starts a fresh window (and pushes out second, now the oldest).
    expect(limiter.take('first').allowed).toBe(true);
  });

  it('0 means unlimited', () => {
    const limiter = createRateLimiter({ limit: 0, windowMs: 1000 });
    for (let i = 0; i < 1000; i++) expect(limiter.take('a').allowed).toBe(true);
  });
});

describe('request keys', () => {
  it('maps the headers of contract 3 to provider keys', () => {
    expect(keysFromHeaders({ 'x-google-api-key': 'g1', 'x-gemini-api-key': 'g2', 'x-fal-key': 'f1', authorization: 'Key f2' })).toEqual({ google: 'g1', fal: 'f1' });
    expect(keysFromHeaders({ 'x-gemini-api-key': 'g2', authorization: 'Key f2' })).toEqual({ google: 'g2', fal: 'f2' });
    expect(keysFromHeaders({ authorization: 'Bearer not-a-fal-key' })).toEqual({});
  });

  it('treats the bare token of any Authorization header as a secret', () => {
    expect(requestSecrets({ authorization: 'Bearer abcdefgh' })).toEqual(['Bearer abcdefgh', 'abcdefgh']);
    expect(requestSecrets({ 'content-type': 'application/json' })).toEqual([]);
  });
});

describe('logger', () => {
  it('redacts configured and per-line secrets, and filters by level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', sink: (l) => lines.push(l), secrets: ['configured-secret'] });
    log.debug('hidden');
    log.info('x', { a: 'has configured-secret inside' });
    log.log('warn', 'y', { b: 'request-secret-1' }, ['request-secret-1']);
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/configured-secret|request-secret-1/);
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('writes the access line as valid JSON with the fields in order, escaped and redacted', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', sink: (l) => lines.push(l), secrets: ['configured-secret'] });
    const entry = { requestId: 'id-1', method: 'POST', path: '/api/"edit"\n', status: 499, durationMs: 12.5, ip: '::1', aborted: true };
    log.access(entry, { provider: 'mock', code: 'configured-secret' }, ['per-request-key']);
    log.access({ ...entry, path: '/per-request-key', aborted: false }, undefined, ['per-request-key']);
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(first!)).toEqual(['time', 'level', 'msg', 'requestId', 'method', 'path', 'status', 'durationMs', 'ip', 'provider', 'code', 'aborted']);
    expect(first).toMatchObject({ level: 'info', msg: 'request', path: '/api/"edit"\n', status: 499, durationMs: 12.5, aborted: true, code: '[redacted]' });
    expect(second).toMatchObject({ path: '/[redacted]', status: 499 });
    expect(second).not.toHaveProperty('aborted');
  });

  it('writes every value of the access line exactly as JSON.stringify would, quoted plain only when nothing needs escaping', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', sink: (l) => lines.push(l) });
    const values = ['plain', 'a"b', 'back\\slash', 'tab\there', '\u0000\u001f', 'lone \ud800 surrogate', 'pair \ud83d\ude00', 'é ü \u2028', ''];
    for (const v of values) log.access({ requestId: v, method: v, path: v, status: 200, durationMs: 1, ip: v, aborted: false }, undefined, []);
    lines.forEach((line, i) => {
      const v = JSON.stringify(values[i]);
      expect(line).toContain(`"requestId":${v},"method":${v},"path":${v},"status":200,"durationMs":1,"ip":${v}}`);
      expect(JSON.parse(line)).toMatchObject({ requestId: values[i], ip: values[i] });
    });
  });

  it('writes the access line readably with LOG_FORMAT=pretty, and not at all above info', () => {
    const lines: string[] = [];
    const entry = { requestId: 'id-1', method: 'GET', path: '/api/health', status: 200, durationMs: 0.4, ip: '127.0.0.1', aborted: false };
    createLogger({ level: 'info', format: 'pretty', sink: (l) => lines.push(l) }).access(entry, { provider: 'mock' }, []);
    createLogger({ level: 'warn', format: 'json', sink: (l) => lines.push(l) }).access(entry, undefined, []);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ INFO {2}request requestId=id-1 method=GET path=\/api\/health status=200 durationMs=0.4 ip=127.0.0.1 provider=mock$/);
  });
});

describe('helpers', () => {
  it('pickEncoding prefers br, honours q=0', () => {
    expect(pickEncoding('gzip, deflate, br')).toBe('br');
    expect(pickEncoding('gzip, br;q=0')).toBe('gzip');
    expect(pickEncoding('identity')).toBe('identity');
    expect(pickEncoding(undefined)).toBe('identity');
  });

  it('cleanFileName strips paths and control characters', () => {
    expect(cleanFileName('C:\\Users\\me\\room.jpg', 1)).toBe('room.jpg');
    expect(cleanFileName('../../etc/passwd\u0000', 1)).toBe('passwd');
    expect(cleanFileName(undefined, 3)).toBe('upload 3');
  });
});

describe('logger batches (the server writing to stderr)', () => {
  it('writes access lines formatted at flush exactly as logged, in order with other lines, redacted, with the time they were logged', () => {
    const batches: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', output: (text) => batches.push(text), secrets: ['configured-secret'] });
    const entry = { requestId: 'id-1', method: 'GET', path: '/api/health', status: 200, durationMs: 0.4, ip: '127.0.0.1', aborted: false };
    const before = Date.now();
    log.access(entry, undefined, []);
    log.warn('between', { note: 'configured-secret' });
    log.access({ ...entry, requestId: 'id-2', path: '/per-request-key', status: 404 }, { code: 'not_found' }, ['per-request-key']);
    const after = Date.now();
    while (Date.now() <= after + 1); // the clock moves on before the flush: each line keeps the time it was logged
    expect(batches).toEqual([]);
    log.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.endsWith('\n')).toBe(true);
    const lines = batches[0]!.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(['request', 'between', 'request']);
    expect(lines[0]).toEqual({ time: lines[0]!.time, level: 'info', msg: 'request', requestId: 'id-1', method: 'GET', path: '/api/health', status: 200, durationMs: 0.4, ip: '127.0.0.1' });
    expect(lines[1]).toMatchObject({ level: 'warn', note: '[redacted]' });
    expect(lines[2]).toMatchObject({ requestId: 'id-2', path: '/[redacted]', status: 404, code: 'not_found' });
    for (const line of [lines[0]!, lines[2]!]) {
      const time = Date.parse(line.time as string);
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(after);
    }
  });

  it('writes a batch once about 16 KB of lines wait, without waiting for the timer', () => {
    const batches: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', output: (text) => batches.push(text) });
    const entry = { requestId: 'id', method: 'GET', path: '/api/health', status: 200, durationMs: 1, ip: '::1', aborted: false };
    for (let i = 0; i < 200; i++) log.access({ ...entry, requestId: `id-${i}` }, undefined, []);
    expect(batches.length).toBeGreaterThan(0);
    log.flush();
    const ids = batches.join('').trimEnd().split('\n').map((l) => (JSON.parse(l) as { requestId: string }).requestId);
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => `id-${i}`));
  });
});

describe('isoTime', () => {
  it('is Date#toISOString for any millisecond, across seconds, days and years', () => {
    const starts = [0, 999, 1000, 1_700_000_000_000, Date.UTC(2026, 11, 31, 23, 59, 59, 998), Date.UTC(2028, 1, 29, 0, 0, 0, 0)];
    for (const start of starts) {
      for (let ms = start; ms < start + 2500; ms += 7) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    expect(isoTime(5)).toBe(new Date(5).toISOString()); // backwards too
  });
});
