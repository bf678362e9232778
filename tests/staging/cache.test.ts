/**
 * The result cache, counted at the fake Gemini server: a repeated edit makes
 * no provider call and gives the same bytes, on the CLI and the server; any
 * change of prompt, seed, aspect ratio or key misses; --no-cache and the mock
 * bypass it; the folder is trimmed least recently used first.
 */
import { copyFile, readdir, readFile, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ResultCache } from '../../src/core/cache/result-cache.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { runCli, SAMPLE, tempDir } from '../support/cli.js';
import { form, jpeg, postEdit, startServer } from '../server/helpers.js';

let gemini: GeminiServer | undefined;
afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.ffc'));
}

describe('result cache', () => {
  test('CLI: a repeat is answered without a call and with the same bytes; prompt, seed, aspect ratio and key changes miss', async () => {
    gemini = await startGeminiServer({ apiKey: 'k' });
    const dir = await tempDir();
    const cacheDir = path.join(await tempDir('ff-cache-'), 'cache');
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const env = { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url, CACHE_DIR: cacheDir };
    const calls = () => gemini!.callsTo('generate').length;
    const edit = async (out: string, extra: string[] = [], extraEnv: Record<string, string> = {}) => {
      const run = await runCli(['edit', 'room.jpg', '--provider', 'google', '-p', 'Add a sofa', '-o', out, '--json', ...extra], { cwd: dir, env: { ...env, ...extraEnv } });
      expect(run.code, run.stderr + run.stdout).toBe(0);
      return JSON.parse(run.stdout.split('\n')[0]!) as { event: string; cached?: boolean; attempts: number };
    };

    expect((await edit('a.jpg')).cached).toBeUndefined();
    expect(calls()).toBe(1);
    expect(await entries(cacheDir)).toHaveLength(1);
    const again = await edit('b.jpg');
    expect(again).toMatchObject({ event: 'done', cached: true, attempts: 0 });
    expect(calls()).toBe(1);
    expect((await readFile(path.join(dir, 'b.jpg'))).equals(await readFile(path.join(dir, 'a.jpg')))).toBe(true);

    await edit('c.jpg', ['-p', 'Add two sofas']);
    expect(calls()).toBe(2);
    await edit('d.jpg', ['--seed', '7']);
    expect(calls()).toBe(3);
    await edit('e.jpg', ['--seed', '8']);
    expect(calls()).toBe(4);
    await edit('f.jpg', ['--aspect-ratio', '16:9']);
    expect(calls()).toBe(5);
    await edit('g.jpg', ['--format', 'png', '-o', 'g.png']);
    expect(calls()).toBe(6);
    // Another account's key: its own entry, never someone else's result.
    await gemini.close();
    gemini = await startGeminiServer();
    await edit('h.jpg', [], { GOOGLE_API_KEY: 'other-key', GOOGLE_GEMINI_BASE_URL: gemini.url });
    expect(gemini.callsTo('generate')).toHaveLength(1);
    // --no-cache calls even for an edit that is cached.
    const fresh = await edit('i.jpg', ['--no-cache'], { GOOGLE_GEMINI_BASE_URL: gemini.url });
    expect(fresh.cached).toBeUndefined();
    expect(gemini.callsTo('generate')).toHaveLength(2);
    // A label is made from the cached answer: no call, different bytes.
    const labelled = await edit('j.jpg', ['--label', 'Staged'], { GOOGLE_GEMINI_BASE_URL: gemini.url });
    expect(labelled.cached).toBe(true);
    expect(gemini.callsTo('generate')).toHaveLength(2);
    expect((await readFile(path.join(dir, 'j.jpg'))).equals(await readFile(path.join(dir, 'a.jpg')))).toBe(false);
    // Another output size is another edit: a miss, then a hit.
    await edit('k.jpg', ['--size', '4K'], { GOOGLE_GEMINI_BASE_URL: gemini.url });
    expect(gemini.callsTo('generate')).toHaveLength(3);
    expect((await edit('l.jpg', ['--size', '4K'], { GOOGLE_GEMINI_BASE_URL: gemini.url })).cached).toBe(true);
    expect(gemini.callsTo('generate')).toHaveLength(3);
  });

  test('server: the repeat answers X-FrameForge-Cache: hit with the same bytes; cache=false calls again', async () => {
    gemini = await startGeminiServer({ apiKey: 'k' });
    const cacheDir = await tempDir('ff-cache-');
    const server = await startServer({ googleBaseUrl: gemini.url, googleApiKey: 'k', cacheDir });
    try {
      const image = await jpeg();
      const send = (fields: Record<string, string> = {}) => postEdit(server.url, form([['images', image, 'r.jpg']], { provider: 'google', prompt: 'Add a lamp', ...fields }));
      const first = await send();
      expect(first.status).toBe(200);
      expect(first.headers.get('x-frameforge-cache')).toBeNull();
      const second = await send();
      expect(second.headers.get('x-frameforge-cache')).toBe('hit');
      expect(Buffer.from(await second.arrayBuffer()).equals(Buffer.from(await first.arrayBuffer()))).toBe(true);
      expect(gemini.callsTo('generate')).toHaveLength(1);
      const bypass = await send({ cache: 'false' });
      expect(bypass.headers.get('x-frameforge-cache')).toBeNull();
      expect(gemini.callsTo('generate')).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  test('the mock is never cached', async () => {
    const dir = await tempDir();
    const cacheDir = path.join(dir, 'cache');
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    expect((await runCli(['edit', 'room.jpg', '--provider', 'mock'], { cwd: dir, env: { CACHE_DIR: cacheDir } })).code).toBe(0);
    expect(await entries(cacheDir)).toEqual([]);
  });

  test('over CACHE_MAX_MB the least recently used entry goes first', async () => {
    const dir = await tempDir('ff-cache-');
    const cache = new ResultCache(dir, 2500);
    const entry = (fill: number) => ({ data: Buffer.alloc(1000, fill), mimeType: 'image/png', warnings: [] });
    await cache.put('a'.repeat(64), entry(1));
    await cache.put('b'.repeat(64), entry(2));
    // Make the ages explicit rather than rely on the clock: b was used after a...
    const file = (k: string) => path.join(dir, k.repeat(2), `${k.repeat(64)}.ffc`);
    const now = Date.now() / 1000;
    await utimes(file('a'), now - 100, now - 100);
    await utimes(file('b'), now - 50, now - 50);
    // ...then a is read (a hit touches it), so b is now the least recently used.
    expect((await cache.get('a'.repeat(64)))?.data.equals(entry(1).data)).toBe(true);
    await cache.put('c'.repeat(64), entry(3));
    expect(await cache.get('b'.repeat(64))).toBeUndefined();
    expect((await cache.get('a'.repeat(64)))?.data[0]).toBe(1);
    expect((await cache.get('c'.repeat(64)))?.data[0]).toBe(3);
  });

  test('eviction lists the folder only when the tracked total crosses the limit, then trims below it', async () => {
    const dir = await tempDir('ff-cache-');
    const cache = new ResultCache(dir, 9000);
    const entry = (fill: number, size = 1000) => ({ data: Buffer.alloc(size, fill), mimeType: 'image/png', warnings: [] });
    const key = (c: string) => c.repeat(64);
    const file = (c: string) => path.join(dir, c.repeat(2), `${key(c)}.ffc`);
    await cache.put(key('a'), entry(1));
    // Another process adds a big, old entry the cache has not seen: together they are over the limit.
    const other = new ResultCache(dir, 1_000_000);
    await other.put(key('f'), entry(9, 9000));
    const now = Date.now() / 1000;
    await utimes(file('f'), now - 1000, now - 1000);
    await utimes(file('a'), now - 500, now - 500);
    // This write keeps the tracked total (about 2 KB) under 9 KB: no listing, so nothing is evicted yet.
    await cache.put(key('b'), entry(2));
    expect(await entries(dir)).toHaveLength(3);
    // Writes that take the tracked total past the limit list the folder and evict oldest first
    // (f, then a) until it is under 90% of the limit.
    await utimes(file('b'), now - 100, now - 100);
    await cache.put(key('c'), entry(3, 6950));
    expect((await entries(dir)).sort()).toEqual([path.join('bb', `${key('b')}.ffc`), path.join('cc', `${key('c')}.ffc`)]);
    expect(await cache.get(key('f'))).toBeUndefined();
    expect(await cache.get(key('a'))).toBeUndefined();
    expect((await cache.get(key('c')))?.data[0]).toBe(3);
  });
});
