/**
 * `frameforge serve` with its log (stderr) going to a file, as under a
 * service manager that appends to one: every line arrives, whole and in
 * order, the last batch on exit (the logger writes batches to a file
 * directly, logger.ts).
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServeProcess } from '../web/serve-process.js';

describe('serve logging to a file', () => {
  it('writes the startup, every access line and the shutdown to the file, as JSON lines in order', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ff-logfile-'));
    const file = path.join(dir, 'serve.log');
    const fd = openSync(file, 'a');
    const serve = await startServeProcess({ LOG_LEVEL: 'info' }, [], { cwd: dir, stderrFd: fd }).finally(() => closeSync(fd));
    const { url } = serve;
    const ids = Array.from({ length: 20 }, (_, i) => `log-file-${i}`);
    for (const id of ids) {
      const res = await fetch(`${url}/api/health`, { headers: { 'x-request-id': id } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await serve.stop();
    expect(serve.child.exitCode).toBe(0);

    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe(''); // ends with a newline, no partial line
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const msgs = entries.map((e) => e.msg);
    // Startup warnings (no provider key) may come first; the access lines come after 'listening'.
    expect(msgs.indexOf('request')).toBeGreaterThan(msgs.indexOf('listening'));
    expect(msgs.indexOf('listening')).toBeGreaterThanOrEqual(0);
    expect(msgs.at(-1)).toBe('stopped');
    const access = entries.filter((e) => e.msg === 'request');
    expect(access.map((e) => e.requestId)).toEqual(ids);
    for (const e of access) expect(e).toMatchObject({ level: 'info', method: 'GET', path: '/api/health', status: 200 });
  });
});
