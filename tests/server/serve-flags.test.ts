/**
 * `frameforge serve` restarts in place with V8 heap flags sized for a server
 * and, on Linux, glibc's malloc settings (bin/serve-flags.js; issue 15): same
 * pid, the flag on its command line and the settings in its environment, the
 * operator's own heap flags and malloc settings respected, every other
 * command untouched.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JS shipped in bin/, without types
import { SERVE_GC_FLAGS, SERVE_HEAP_FLAGS, SERVE_MALLOC_ENV, SERVE_NODE_FLAGS, serveExec } from '../../bin/serve-flags.js';
import { startServeProcess } from '../web/serve-process.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/frameforge.js');
const base = { execArgv: [] as string[], env: {} as Record<string, string>, execPath: '/usr/bin/node', script: BIN, platform: 'linux' };
const MALLOC = SERVE_MALLOC_ENV as Record<string, string>;
type Exec = { argv: string[]; env: Record<string, string> } | undefined;
const execOf = (options: Partial<typeof base> & { args: string[] }): Exec => serveExec({ ...base, ...options }) as Exec;

describe('serveExec', () => {
  it('adds the flags for serve, before Node flags already given, keeping every argument', () => {
    expect(execOf({ args: ['serve', '--port', '0'], execArgv: ['--cpu-prof'] })).toEqual({
      argv: ['/usr/bin/node', ...(SERVE_NODE_FLAGS as string[]), '--cpu-prof', BIN, 'serve', '--port', '0'],
      env: MALLOC,
    });
  });

  it('leaves other commands, an already restarted serve, and an operator-sized heap alone', () => {
    expect(execOf({ args: ['edit', 'serve'] })).toBeUndefined();
    expect(execOf({ args: ['serve'], env: { FRAMEFORGE_SERVE_FLAGS: '1' } })).toBeUndefined();
    const gcOnly = ['/usr/bin/node', ...(SERVE_GC_FLAGS as string[])];
    expect(execOf({ args: ['serve'], execArgv: ['--initial-old-space-size=256'] })?.argv).toEqual([...gcOnly, '--initial-old-space-size=256', BIN, 'serve']);
    expect(execOf({ args: ['serve'], env: { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=512' } })?.argv).toEqual([...gcOnly, BIN, 'serve']);
    // Every flag given already: on Linux it still restarts, for the malloc settings alone; elsewhere there is nothing to add.
    expect(execOf({ args: ['serve'], execArgv: ['--max-semi-space-size=8', '--expose-gc'] })).toEqual({
      argv: ['/usr/bin/node', '--max-semi-space-size=8', '--expose-gc', BIN, 'serve'],
      env: MALLOC,
    });
    expect(execOf({ args: ['serve'], execArgv: ['--max-semi-space-size=8', '--expose-gc'], platform: 'darwin' })).toBeUndefined();
  });

  it("sets glibc's malloc thresholds on Linux only, and not over the operator's own malloc settings", () => {
    expect(MALLOC).toEqual({ MALLOC_TRIM_THRESHOLD_: '33554432', MALLOC_MMAP_THRESHOLD_: '33554432' });
    expect(execOf({ args: ['serve'], platform: 'darwin' })?.env).toEqual({});
    const operators: Record<string, string>[] = [{ MALLOC_TRIM_THRESHOLD_: '131072' }, { MALLOC_MMAP_THRESHOLD_: '65536' }, { MALLOC_TOP_PAD_: '0' }, { MALLOC_MMAP_MAX_: '0' }, { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0' }];
    for (const env of operators) {
      expect(execOf({ args: ['serve'], env })).toEqual({ argv: ['/usr/bin/node', ...(SERVE_NODE_FLAGS as string[]), BIN, 'serve'], env: {} });
    }
    // A tunable of another glibc module is not a malloc setting.
    expect(execOf({ args: ['serve'], env: { GLIBC_TUNABLES: 'glibc.pthread.rseq=0' } })?.env).toEqual(MALLOC);
  });
});

describe.runIf(process.platform === 'linux')('frameforge serve, the real CLI', () => {
  async function commandLineOf(nodeFlags: string[], env: Record<string, string> = {}): Promise<{ argv: string[]; env: string[] }> {
    const serve = await startServeProcess({ LOG_LEVEL: 'error', ...env }, [], { nodeFlags });
    try {
      // The pid spawn gave is the server's own: replaced in place, no parent left in between.
      expect(existsSync(`/proc/${serve.child.pid}/cmdline`)).toBe(true);
      const read = (file: string) => readFileSync(`/proc/${serve.child.pid}/${file}`, 'utf8').split('\0').filter(Boolean);
      return { argv: read('cmdline'), env: read('environ') };
    } finally {
      await serve.stop();
    }
  }

  it('runs under the same pid with the server heap flags and the malloc settings, its environment kept', async () => {
    const { argv, env } = await commandLineOf([], { FRAMEFORGE_TEST_MARK: 'kept' });
    expect(argv).toEqual(expect.arrayContaining([...(SERVE_NODE_FLAGS as string[]), BIN, 'serve']));
    expect(env).toContain('FRAMEFORGE_TEST_MARK=kept');
    expect(env).toEqual(expect.arrayContaining(Object.entries(MALLOC).map(([name, value]) => `${name}=${value}`)));
  });

  it("keeps the operator's malloc setting, and adds none of its own", async () => {
    const { env } = await commandLineOf([], { MALLOC_TRIM_THRESHOLD_: '262144' });
    expect(env).toContain('MALLOC_TRIM_THRESHOLD_=262144');
    expect(env.filter((line) => line.startsWith('MALLOC_MMAP_THRESHOLD_='))).toEqual([]);
  });

  it('keeps an operator-given heap size instead', async () => {
    const { argv } = await commandLineOf(['--initial-old-space-size=48']);
    expect(argv).toContain('--initial-old-space-size=48');
    for (const flag of SERVE_HEAP_FLAGS as string[]) expect(argv).not.toContain(flag);
  });
});
