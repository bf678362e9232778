import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { BIN, ROOT } from '../support/cli.js';

const run = promisify(execFile);
const TRACE = path.join(ROOT, 'tests/support/trace-loads.mjs');

async function loadedModules(args: string[]): Promise<string> {
  const { stderr } = await run(process.execPath, ['--import', TRACE, BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH } });
  return stderr;
}

test('--version loads nothing from node_modules and prints the package version', async () => {
  expect(await loadedModules(['--version'])).not.toContain('/node_modules/');
  const { stdout } = await run(process.execPath, [BIN, '--version'], { cwd: ROOT });
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(stdout.trim()).toBe(pkg.version);
});

test('--help loads neither sharp nor any provider SDK', async () => {
  for (const args of [['--help'], ['edit', '--help']]) {
    const loaded = await loadedModules(args);
    expect(loaded).toContain('commander'); // the trace works
    expect(loaded).not.toMatch(/sharp|@google\/genai|@fal-ai|cosmiconfig|@inquirer/);
  }
});

test('providers loads no provider SDK', async () => {
  const loaded = await loadedModules(['providers', '--json']);
  expect(loaded).not.toMatch(/@google\/genai|@fal-ai|sharp/);
});
