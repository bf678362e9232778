import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { tempDir } from '../support/cli.js';
import { makeListingTree } from '../batch/tree.js';

/** A stand-in for a terminal's stderr: records what is written, supports ora's cursor moves. */
function terminal(columns: number) {
  let text = '';
  return {
    stream: {
      isTTY: true,
      columns,
      write: (s: string) => {
        text += s;
        return true;
      },
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
    },
    get text() {
      return text;
    },
  };
}

async function runOnTerminal(env: Record<string, string>, columns = 120) {
  const dir = await tempDir();
  await makeListingTree(path.join(dir, 'in'));
  const err = terminal(columns);
  let stdout = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: true },
    stderr: err.stream,
    stdinIsTTY: false,
    env,
    cwd: dir,
    signal: new AbortController().signal,
  };
  const code = await main(['edit', 'in', '-r', '-o', 'out', '--provider', 'mock', '-p', 'stage it'], io);
  return { code, stderr: err.text, stdout };
}

describe('batch progress on a terminal', () => {
  test('shows a spinner line with done, failed, left, rate and ETA', async () => {
    const run = await runOnTerminal({});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\d+ done, \d+ failed, \d+ left · [\d.]+\/s · ETA/);
    expect(run.stderr).toMatch(/Finished in .*29 edited/);
  });

  test('shows no spinner with NO_COLOR', async () => {
    const run = await runOnTerminal({ NO_COLOR: '1' });
    expect(run.stderr).not.toMatch(/ left · /);
    expect(run.stderr.includes('\u001b[')).toBe(false);
    expect(run.stderr).toMatch(/Finished in .*29 edited/);
  });

  test('shows no spinner on a terminal that reports 0 columns (ora would redraw forever)', async () => {
    const run = await runOnTerminal({}, 0);
    expect(run.stderr).not.toMatch(/ left · /);
    expect(run.stderr).toMatch(/Finished in .*29 edited/);
  });
});
