/**
 * The interactive `edit` (contract 2: on a terminal, with no --prompt, it asks
 * for the prompt and the provider). The built CLI runs inside a real
 * pseudo-terminal made by util-linux `script`, and the test types into it the
 * way a person would: text, arrow keys, Enter.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT } from '../../src/core/settings.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { BIN, SAMPLE, tempDir } from '../support/cli.js';

// `script` is util-linux (Debian's essential bsdutils); without it there is no pty to test in.
const hasScript = spawnSync('script', ['--version']).status === 0;

const ENTER = '\r';
const DOWN = '\u001b[B';
const GOOGLE_KEY = 'GK-interactive-5d1e';

interface Step {
  /** Type `send` once the screen shows this (ANSI codes removed). */
  after: string;
  send: string;
}

interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed, ANSI codes removed. */
  screen: string;
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

function runInTerminal(args: string[], cwd: string, env: Record<string, string>, steps: Step[]): Promise<TerminalRun> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, TERM: 'xterm-256color', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let seenUpTo = 0;
  const pending = [...steps];
  child.stdout.on('data', (chunk: Buffer) => {
    raw += chunk.toString('utf8');
    const screen = stripVTControlCharacters(raw);
    const next = pending[0];
    const at = next ? screen.indexOf(next.after, seenUpTo) : -1;
    if (next && at !== -1) {
      pending.shift();
      seenUpTo = at + next.after.length;
      child.stdin.write(next.send);
    }
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, screen: stripVTControlCharacters(raw) });
    });
  });
}

let gemini: GeminiServer;
let dir: string;

beforeAll(async () => {
  gemini = await startGeminiServer({ apiKey: GOOGLE_KEY });
});
afterAll(async () => {
  await gemini.close();
});
beforeEach(async () => {
  dir = await tempDir('ff-interactive-');
  await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
});

const withGemini = () => ({ GOOGLE_API_KEY: GOOGLE_KEY, GOOGLE_GEMINI_BASE_URL: gemini.url });

function promptSentToGemini(index: number): string | undefined {
  const body = gemini.callsTo('generate')[index]?.json as { contents: { parts: { text?: string }[] }[] } | undefined;
  return body?.contents[0]!.parts.find((p) => p.text !== undefined)?.text;
}

describe.skipIf(!hasScript)('edit on a terminal asks for the prompt and the provider', () => {
  it('sends the typed prompt to the default provider when Enter accepts it', async () => {
    const before = gemini.callsTo('generate').length;
    const run = await runInTerminal(['edit', 'room.jpg'], dir, withGemini(), [
      { after: 'Prompt', send: `Add a red sofa${ENTER}` },
      { after: 'Provider', send: ENTER },
    ]);
    expect(run.code).toBe(0);
    expect(run.screen).toMatch(/❯ google/);
    expect(promptSentToGemini(before)).toBe('Add a red sofa');
    expect((await stat(path.join(dir, 'room.edited.jpg'))).size).toBeGreaterThan(0);
  }, 30_000);

  it('an empty answer means the default prompt, and the arrow keys choose another provider', async () => {
    const before = gemini.callsTo('generate').length;
    const run = await runInTerminal(['edit', 'room.jpg'], dir, withGemini(), [
      { after: 'Prompt', send: ENTER },
      // Ready providers come first, in order: google (the default, under the cursor), then mock.
      { after: 'Provider', send: DOWN },
      { after: '❯ mock', send: ENTER },
    ]);
    expect(run.code).toBe(0);
    expect(run.screen).toContain('(mock result)');
    expect(gemini.callsTo('generate')).toHaveLength(before);

    const again = await runInTerminal(['edit', 'room.jpg', '--force'], dir, withGemini(), [
      { after: 'Prompt', send: ENTER },
      { after: 'Provider', send: ENTER },
    ]);
    expect(again.code).toBe(0);
    expect(promptSentToGemini(before)).toBe(DEFAULT_PROMPT);
  }, 30_000);

  it('without keys, the cursor starts on a provider that can run, and the others say what they need', async () => {
    const run = await runInTerminal(['edit', 'room.jpg'], dir, {}, [
      { after: 'Prompt', send: `Stage it${ENTER}` },
      { after: 'Provider', send: ENTER },
    ]);
    expect(run.code).toBe(0);
    expect(run.screen).toMatch(/❯ mock/);
    expect(run.screen).toMatch(/google \(needs GOOGLE_API_KEY/);
    expect(run.screen).toMatch(/fal:fal-ai\/flux\/dev\/image-to-image \(needs FAL_KEY\)/);
    expect(run.screen).toContain('(mock result)');
    const output = await readFile(path.join(dir, 'room.edited.jpg'));
    expect(output.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  }, 30_000);

  it('asks nothing in CI, even on a terminal: the defaults are used', async () => {
    const before = gemini.callsTo('generate').length;
    const run = await runInTerminal(['edit', 'room.jpg'], dir, { ...withGemini(), CI: 'true' }, []);
    expect(run.code).toBe(0);
    expect(run.screen).not.toContain('Prompt');
    expect(promptSentToGemini(before)).toBe(DEFAULT_PROMPT);
  }, 30_000);
});
