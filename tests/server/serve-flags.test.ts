/**
 * `frameforge serve` restarts in place with V8 heap flags sized for a server
 * (bin/serve-flags.js; issue 15): same pid, the flag on its command line, the
 * operator's own heap flags respected, every other command untouched.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JS shipped in bin/, without types
import { SERVE_GC_FLAGS, SERVE_HEAP_FLAGS, SERVE_NODE_FLAGS, serveExecArgs } from '../../bin/serve-flags.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/frameforge.js');
const base = { execArgv: [] as string[], env: {} as Record<string, string>, execPath: '/usr/bin/node', script: BIN };

describe('serveExecArgs', () => {
  it('adds the flags for serve, before Node flags already given, keeping every argument', () => {
    expect(serveExecArgs({ ...base, args: ['serve', '--port', '0'], execArgv: ['--cpu-prof'] })).toEqual([
      '/usr/bin/node', ...(SERVE_NODE_FLAGS as string[]), '--cpu-prof', BIN, 'serve', '--port', '0',
    ]);
  });

  it('leaves other commands, an already restarted serve, and an operator-sized heap alone', () => {
    expect(serveExecArgs({ ...base, args: ['edit', 'serve'] })).toBeUndefined();
    expect(serveExecArgs({ ...base, args: ['serve'], env: { FRAMEFORGE_SERVE_FLAGS: '1' } })).toBeUndefined();
    const gcOnly = ['/usr/bin/node', ...(SERVE_GC_FLAGS as string[])];
    expect(serveExecArgs({ ...base, args: ['serve'], execArgv: ['--initial-old-space-size=256'] })).toEqual([...gcOnly, '--initial-old-space-size=256', BIN, 'serve']);
    expect(serveExecArgs({ ...base, args: ['serve'], env: { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=512' } })).toEqual([...gcOnly, BIN, 'serve']);
    expect(serveExecArgs({ ...base, args: ['serve'], execArgv: ['--max-semi-space-size=8', '--expose-gc'] })).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('frameforge serve, the real CLI', () => {
  async function commandLineOf(extraNodeFlags: string[], env: Record<string, string> = {}): Promise<{ argv: string[]; env: string[] }> {
    const child = spawn(process.execPath, [...extraNodeFlags, BIN, 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env },
      cwd: await mkdtemp(path.join(tmpdir(), 'ff-flags-')),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/^http:\/\/\S+\n/.test(out)) resolve();
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      // The pid spawn gave is the server's own: replaced in place, no parent left in between.
      expect(existsSync(`/proc/${child.pid}/cmdline`)).toBe(true);
      const read = (file: string) => readFileSync(`/proc/${child.pid}/${file}`, 'utf8').split('\0').filter(Boolean);
      return { argv: read('cmdline'), env: read('environ') };
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }

  it('runs under the same pid with the server heap flags, its environment kept', async () => {
    const { argv, env } = await commandLineOf([], { FRAMEFORGE_TEST_MARK: 'kept' });
    expect(argv).toEqual(expect.arrayContaining([...(SERVE_NODE_FLAGS as string[]), BIN, 'serve']));
    expect(env).toContain('FRAMEFORGE_TEST_MARK=kept');
  });

  it('keeps an operator-given heap size instead', async () => {
    const { argv } = await commandLineOf(['--initial-old-space-size=48']);
    expect(argv).toContain('--initial-old-space-size=48');
    for (const flag of SERVE_HEAP_FLAGS as string[]) expect(argv).not.toContain(flag);
  });
});
