/**
 * Batch runs through the real Gemini adapter against the fake Gemini server
 * (tests/fakes/gemini-server.ts): the provider is only ever reached over HTTP,
 * so the fake's call log says exactly which images were sent, and how often.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, test } from 'vitest';
import { findTruncation, sniffFormat } from '../../src/core/image-format.js';
import { BIN, runBuiltCli, runCli, tempDir } from '../support/cli.js';
import { geminiRateLimited, startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import type { RecordedCall } from '../fakes/fake-http.js';
import { hashTree, jsonLines, listFiles, makeListingTree } from '../batch/tree.js';

let gemini: GeminiServer | undefined;
afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

function env(server: GeminiServer, extra: Record<string, string> = {}): Record<string, string> {
  return { GOOGLE_API_KEY: 'test-key', GOOGLE_GEMINI_BASE_URL: server.url, ...extra };
}

/** The first inline image anywhere in a generateContent body. */
function firstInlineImage(value: unknown): Buffer | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const inline = (value as { inlineData?: { data?: string } }).inlineData;
  if (inline?.data) return Buffer.from(inline.data, 'base64');
  for (const child of Object.values(value)) {
    const found = firstInlineImage(child);
    if (found) return found;
  }
  return undefined;
}

/** Which tree image a call carried: their widths are unique (see tree.ts). */
async function widthOf(call: RecordedCall): Promise<number> {
  return (await sharp(firstInlineImage(call.json)!).metadata()).width!;
}

async function widthOfFile(file: string): Promise<number> {
  return (await sharp(file).metadata()).width!;
}

/** Every visible file in dir must be a whole image (or the manifest) whenever we look. */
async function findPartialOutputs(dir: string): Promise<string[]> {
  const bad: string[] = [];
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const entry of entries) {
    const name = path.basename(entry);
    if (name.startsWith('.') || name === 'frameforge-manifest.jsonl') continue;
    const data = await readFile(path.join(dir, entry)).catch(() => undefined);
    if (!data) continue; // a directory
    const format = sniffFormat(data);
    if (data.length === 0 || !format || findTruncation(data, format)) bad.push(entry);
  }
  return bad;
}

describe('batch against the fake Gemini server', () => {
  test('SIGINT mid-run, then the same command: every item done exactly once, no partial outputs, inputs unchanged', async () => {
    gemini = await startGeminiServer({ apiKey: 'test-key' });
    // The first five calls are answered; the next four (every lane, --concurrency 4) are held
    // until the CLI drops them, so the interrupt lands while calls are in flight, however slow
    // the machine: the first run cannot finish more than five items before the SIGINT.
    const held = new Promise<void>(() => undefined);
    gemini.script('generate', {}, {}, {}, {}, {}, ...Array.from({ length: 4 }, () => ({ until: held })));
    const dir = await tempDir();
    const tree = await makeListingTree(path.join(dir, 'in'));
    const before = await hashTree(tree.root);
    const args = ['edit', 'in', '-r', '-o', 'out', '--provider', 'google', '--concurrency', '4', '--json'];

    const partials: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        partials.push(...(await findPartialOutputs(path.join(dir, 'out'))));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { PATH: process.env.PATH, ...env(gemini) } });
    let stdout = '';
    let fiveDone!: () => void;
    const fiveDoneSeen = new Promise<void>((resolve) => (fiveDone = resolve));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (jsonLines(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).filter((e) => e.event === 'done').length >= 5) fiveDone();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // Interrupt once five items are reported done and all four lanes wait on a held call (the 9th).
    await Promise.race([Promise.all([fiveDoneSeen, gemini.waitForCall('generate', 9)]), exited]);
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    const first = jsonLines(stdout);
    const doneFirst = first.filter((e) => e.event === 'done').map((e) => e.input as string);
    expect(doneFirst).toHaveLength(5);
    // The four held calls were dropped by the CLI, not answered.
    await Promise.all(gemini.callsTo('generate').slice(5).map((call) => call.abandoned));
    expect(first.find((e) => e.event === 'interrupted')).toMatchObject({ remaining: expect.any(Array) });
    const callsFirst = gemini.calls.length;

    const second = await runBuiltCli(args, { cwd: dir, env: env(gemini) });
    watching = false;
    await watcher;
    expect(second.code).toBe(1); // the corrupt image, as in any run
    const events = jsonLines(second.stdout);
    const doneSecond = events.filter((e) => e.event === 'done').map((e) => e.input as string);

    // Done exactly once across the two runs, and every good image done.
    expect([...doneFirst, ...doneSecond].sort()).toEqual(tree.good.map((rel) => path.join('in', rel)).sort());
    expect(events.filter((e) => e.event === 'skipped' && e.reason === 'output exists').map((e) => e.input).sort()).toEqual([...doneFirst].sort());

    // The provider was not called again for an item finished in the first run,
    // and each remaining item took one call.
    const finishedWidths = new Set(await Promise.all(doneFirst.map((input) => widthOfFile(path.join(dir, input)))));
    const secondWidths = await Promise.all(gemini.calls.slice(callsFirst).map(widthOf));
    expect(secondWidths.filter((w) => finishedWidths.has(w))).toEqual([]);
    expect(secondWidths).toHaveLength(doneSecond.length);
    expect(new Set(secondWidths).size).toBe(secondWidths.length);

    expect(partials).toEqual([]);
    expect((await readdir(path.join(dir, 'out'), { recursive: true })).filter((f) => path.basename(f).startsWith('.'))).toEqual([]);
    expect(await hashTree(tree.root)).toEqual(before);
    const manifest = jsonLines(await readFile(path.join(dir, 'out', 'frameforge-manifest.jsonl'), 'utf8'));
    expect(manifest.filter((l) => l.status === 'done')).toHaveLength(29);
    expect(manifest.filter((l) => l.status === 'done').every((l) => typeof l.requestId === 'string')).toBe(true);
  });

  test('a 429 with Retry-After on every third call: the batch still finishes with every item done', async () => {
    gemini = await startGeminiServer({ apiKey: 'test-key' });
    gemini.script('generate', ...Array.from({ length: 150 }, (_, i) => (i % 3 === 2 ? geminiRateLimited(1) : {})));
    const dir = await tempDir();
    const tree = await makeListingTree(path.join(dir, 'in'));
    await rm(path.join(tree.root, tree.corrupt));
    // Retries land on arbitrary call numbers at concurrency 4; enough of them that
    // an unlucky run of "third calls" cannot exhaust an item.
    const run = await runCli(['edit', 'in', '-r', '-o', 'out', '--provider', 'google', '--concurrency', '4', '--json'], {
      cwd: dir,
      env: env(gemini, { MAX_RETRIES: '10' }),
    });
    expect(run.code).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.filter((e) => e.event === 'done')).toHaveLength(29);
    const retries = events.filter((e) => e.event === 'retry');
    expect(retries.length).toBeGreaterThanOrEqual(9);
    expect(retries.every((e) => e.code === 'provider_rate_limited' && e.delayMs === 1000)).toBe(true);
    expect(gemini.calls).toHaveLength(29 + retries.length);
    const rateLimited = gemini.calls.filter((_, i) => i % 3 === 2).length;
    expect(retries).toHaveLength(rateLimited);
    const manifest = jsonLines(await readFile(path.join(dir, 'out', 'frameforge-manifest.jsonl'), 'utf8'));
    const attempts = manifest.filter((l) => l.status === 'done').reduce((sum, l) => sum + (l.attempts as number), 0);
    expect(attempts).toBe(gemini.calls.length);
    expect((await listFiles(path.join(dir, 'out'))).length).toBe(30);
  });

  test('an invalid key stops the batch from starting more items: exit 2, not one refused call per image', async () => {
    gemini = await startGeminiServer({ apiKey: 'the-right-key' });
    const dir = await tempDir();
    await makeListingTree(path.join(dir, 'in'));
    const run = await runCli(['edit', 'in', '-r', '-o', 'out', '--provider', 'google', '--concurrency', '2', '--json'], { cwd: dir, env: env(gemini) });
    expect(run.code).toBe(2);
    expect(gemini.calls.length).toBeLessThanOrEqual(2);
    const events = jsonLines(run.stdout);
    expect(events.find((e) => e.event === 'failed')).toMatchObject({ code: 'invalid_api_key' });
    expect(events.at(-1)).toMatchObject({ event: 'summary', remaining: expect.any(Number) });
    expect((events.at(-1)!.remaining as number) > 20).toBe(true);
  });
});
