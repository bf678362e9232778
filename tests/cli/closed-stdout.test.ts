/**
 * `frameforge presets | head -1`: the reader closes the pipe before FrameForge
 * has written everything. Like a Unix tool, the CLI then stops quietly: no
 * EPIPE stack trace, no failure exit code. The pipe here is real, and its read
 * end is closed before the child even starts writing, so every write fails.
 */
import { spawn } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { BIN, SAMPLE, tempDir } from '../support/cli.js';

function runWithClosedStdout(argv: string[], cwd: string): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes away at once: every write the CLI makes to stdout meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('a closed standard output (| head)', () => {
  test.each([
    [['presets']],
    [['presets', '--json']],
    [['providers', '--json']],
    [['--help']],
  ])('frameforge %j exits 0 without an EPIPE error', async (argv) => {
    const run = await runWithClosedStdout(argv, await tempDir());
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(run).toMatchObject({ code: 0, signal: null });
  });

  test('an edit whose --json reader has gone stops cleanly and leaves no partial output', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const run = await runWithClosedStdout(['edit', 'room.jpg', '--provider', 'mock', '--json', '-o', 'out.jpg'], dir);
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(run.signal).toBeNull();
    expect([0, 130]).toContain(run.code);
    // Whether the edit finished or stopped, no temporary file is left behind.
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
