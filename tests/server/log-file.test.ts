/**
 * `frameforge serve` with its log (stderr) going to a file, as under a
 * service manager that appends to one: every line arrives, whole and in
 * order, the last batch on exit (the logger writes batches to a file
 * directly, logger.ts).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../../bin/frameforge.js');

describe('serve logging to a file', () => {
  it('writes the startup, every access line and the shutdown to the file, as JSON lines in order', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ff-logfile-'));
    const file = path.join(dir, 'serve.log');
    const fd = openSync(file, 'a');
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
      cwd: dir,
      stdio: ['ignore', 'pipe', fd],
    });
    closeSync(fd);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(http:\/\/\S+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    const ids = Array.from({ length: 20 }, (_, i) => `log-file-${i}`);
    for (const id of ids) {
      const res = await fetch(`${url}/api/health`, { headers: { 'x-request-id': id } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

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
