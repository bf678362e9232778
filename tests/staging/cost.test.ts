/**
 * Cost: the dry run prints the estimated total, --max-cost stops a batch at
 * the item that would pass the budget (counted at the fake Gemini server),
 * the manifest records each item's estimate, and `providers --json` shows the
 * price where the table knows it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { makeJpeg } from '../support/images.js';
import { runCli, tempDir } from '../support/cli.js';

let gemini: GeminiServer | undefined;
afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

async function listing(count: number): Promise<string> {
  const dir = await tempDir();
  for (let i = 1; i <= count; i++) await writeFile(path.join(dir, `room${i}.jpg`), await makeJpeg({ width: 30 + i, height: 20 }));
  return dir;
}

describe('cost', () => {
  test('--dry-run prints the estimated total for the edits it would make', async () => {
    const dir = await listing(3);
    const run = await runCli(['edit', '.', '-o', 'out', '--provider', 'google:gemini-2.5-flash-image', '--dry-run'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Estimated cost: \$0\.117 \(3 x \$0\.039; price from https:\/\/\S+/);
    const json = await runCli(['edit', '.', '-o', 'out', '--provider', 'google:gemini-2.5-flash-image', '--dry-run', '--json'], { cwd: dir });
    const summary = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { event: string; estimatedCostUsd: number };
    expect(summary).toMatchObject({ event: 'summary', estimatedCostUsd: 0.117 });
    const unknown = await runCli(['edit', '.', '-o', 'out', '--provider', 'fal:fal-ai/some-unpriced/edit', '--dry-run'], { cwd: dir });
    expect(unknown.stderr).toContain('Estimated cost: unknown');
  });

  test('--max-cost starts no item past the budget: the rest are not started, exit 1, and the manifest says so', async () => {
    gemini = await startGeminiServer({ apiKey: 'k' });
    const dir = await listing(5);
    const run = await runCli(
      ['edit', '.', '-o', 'out', '--provider', 'google:gemini-2.5-flash-image', '--max-cost', '0.10', '--concurrency', '1', '--json'],
      { cwd: dir, env: { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url } },
    );
    expect(run.code).toBe(1);
    // $0.039 an edit: two fit in $0.10, a third would make $0.117.
    expect(gemini.callsTo('generate')).toHaveLength(2);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { done: number; remaining: number };
    expect(summary).toMatchObject({ done: 2, remaining: 3 });
    const lines = (await readFile(path.join(dir, 'out', 'frameforge-manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.status === 'done').map((l) => [l.input, l.estimatedCostUsd])).toEqual([['room1.jpg', 0.039], ['room2.jpg', 0.039]]);
    expect(lines.filter((l) => l.status === 'not_started').map((l) => l.input)).toEqual(['room3.jpg']);
    expect(run.stderr).toContain('Stopped at --max-cost $0.100: 3 not started.');
  });

  test('--max-cost needs a known price; providers --json shows prices', async () => {
    const dir = await listing(1);
    const run = await runCli(['edit', '.', '-o', 'out', '--provider', 'fal:fal-ai/some-unpriced/edit', '--max-cost', '1'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--max-cost needs a known price/);
    const bad = await runCli(['edit', '.', '-o', 'out', '--provider', 'mock', '--max-cost', 'lots'], { cwd: dir });
    expect(bad.code).toBe(2);
    const providers = await runCli(['providers', '--json'], { cwd: dir, env: { GOOGLE_MODEL_ID: 'gemini-2.5-flash-image' } });
    const listed = JSON.parse(providers.stdout) as { providers: { id: string; price?: { usd: number; source: string; checked: string } }[] };
    expect(listed.providers.find((p) => p.id === 'google')?.price).toMatchObject({ usd: 0.039, checked: '2026-11-30' });
    expect(listed.providers.find((p) => p.id === 'mock')?.price?.usd).toBe(0);
  });

  test('a cache hit costs nothing: not in the manifest, not in the summary, not against --max-cost', async () => {
    gemini = await startGeminiServer({ apiKey: 'k' });
    const dir = await listing(3);
    const env = { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url, CACHE_DIR: path.join(await tempDir('ff-cache-'), 'c') };
    const args = ['edit', '.', '-o', 'out', '--provider', 'google:gemini-2.5-flash-image', '--concurrency', '1', '--json'];
    const first = await runCli(args, { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ done: 3, estimatedCostUsd: 0.117 });
    // Again, overwriting: every edit is a cache hit. $0.05 would pay for one call, yet all three run.
    const again = await runCli([...args, '--force', '--max-cost', '0.05', '--manifest', 'again.jsonl'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(gemini.callsTo('generate')).toHaveLength(3);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!)).toMatchObject({ done: 3, estimatedCostUsd: 0 });
    const lines = (await readFile(path.join(dir, 'again.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.status, l.cached, l.estimatedCostUsd])).toEqual([['done', true, 0], ['done', true, 0], ['done', true, 0]]);
    // A miss among hits is the one that counts: a new input is paid, and the budget holds it.
    await writeFile(path.join(dir, 'room4.jpg'), await makeJpeg({ width: 50, height: 20 }));
    await writeFile(path.join(dir, 'room5.jpg'), await makeJpeg({ width: 51, height: 20 }));
    const mixed = await runCli([...args, '--force', '--max-cost', '0.05'], { cwd: dir, env });
    expect(mixed.code).toBe(1);
    expect(gemini.callsTo('generate')).toHaveLength(4);
    expect(JSON.parse(mixed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ done: 4, remaining: 1, estimatedCostUsd: 0.039 });
  });
});
