/**
 * Images of several frames or pages (animated GIF and WebP, multi-page TIFF):
 * the provider gets the first frame only, as a still image, and the user is
 * told so. Checked on what the fake Gemini server received.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { jsonLines } from '../batch/tree.js';

let gemini: GeminiServer;
beforeAll(async () => {
  gemini = await startGeminiServer({ apiKey: 'anim-key' });
});
afterAll(() => gemini.close());

/** Two 20x10 frames: red, then blue. */
async function twoFrames(format: 'gif' | 'webp' | 'tiff'): Promise<Buffer> {
  const frame = (background: string) => sharp({ create: { width: 20, height: 10, channels: 3, background } }).png().toBuffer();
  return sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } })[format]().toBuffer();
}

test.each([
  ['gif', 'room.gif', 'an animated GIF of 2 frames; only the first frame was edited'],
  ['webp', 'room.webp', 'an animated WEBP of 2 frames; only the first frame was edited'],
  ['tiff', 'room.tiff', 'a 2-page TIFF; only the first page was edited'],
] as const)('%s: the first frame alone is sent, with a warning that says so', async (format, name, warning) => {
  const dir = await tempDir();
  const input = await twoFrames(format);
  expect((await sharp(input).metadata()).pages).toBe(2);
  await writeFile(path.join(dir, name), input);

  const before = gemini.callsTo('generate').length;
  const run = await runCli(['edit', name, '--provider', 'google', '-o', 'out.png', '--json'], {
    cwd: dir,
    env: { GOOGLE_API_KEY: 'anim-key', GOOGLE_GEMINI_BASE_URL: gemini.url },
  });
  expect(run.code).toBe(0);
  const done = jsonLines(run.stdout).find((e) => e.event === 'done')!;
  expect(done.warnings).toContain(`${name} is ${warning}.`);

  const call = gemini.callsTo('generate').slice(before)[0]!;
  const parts = (call.json as { contents: { parts: { inlineData?: { data: string } }[] }[] }).contents[0]!.parts;
  const sent = Buffer.from(parts[0]!.inlineData!.data, 'base64');
  const meta = await sharp(sent).metadata();
  expect(meta.pages ?? 1).toBe(1);
  expect([meta.width, meta.height]).toEqual([20, 10]);
  const { data } = await sharp(sent).raw().toBuffer({ resolveWithObject: true });
  // The red frame (allowing for GIF palettes and lossy WebP), not the blue one.
  expect(data[0]).toBeGreaterThan(200);
  expect(data[2]).toBeLessThan(60);
});
