/**
 * The built CLI (`node bin/frameforge.js`, built by `pretest`) doing real
 * edits end to end against the fakes, pointed there the way a user would:
 * GOOGLE_GEMINI_BASE_URL and FAL_PROXY_URL. Also the secrets check: a
 * distinctive key must never show in anything the CLI prints, even with
 * --verbose and even when the provider echoes it back in an error.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nearestRatio } from '../../src/core/output-size.js';
import { falError, startFalServer, type FalServer } from '../fakes/fal-server.js';
import { geminiError, startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin/frameforge.js');
const GOOGLE_KEY = 'GK-DISTINCTIVE-7f3a91c2';
const FAL_KEY = 'FK-DISTINCTIVE-2b8e44d0';

let gemini: GeminiServer;
let fal: FalServer;
let dir: string;

beforeAll(async () => {
  gemini = await startGeminiServer({ apiKey: GOOGLE_KEY });
  fal = await startFalServer({ apiKey: FAL_KEY });
});
afterAll(async () => {
  await gemini.close();
  await fal.close();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'frameforge-cli-'));
  await copyFile(path.join(ROOT, 'assets/sample-room.jpg'), path.join(dir, 'sample.jpg'));
  return () => rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function frameforge(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: dir,
        // Only what the test sets: no developer keys or settings leak in.
        env: {
          PATH: process.env.PATH ?? '',
          NO_COLOR: '1',
          GOOGLE_API_KEY: GOOGLE_KEY,
          GOOGLE_GEMINI_BASE_URL: gemini.url,
          FAL_KEY,
          FAL_PROXY_URL: fal.proxyUrl,
          MAX_RETRY_WAIT_SECONDS: '2',
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('frameforge edit with real providers', () => {
  it('--provider google edits sample.jpg through GOOGLE_GEMINI_BASE_URL', async () => {
    const before = gemini.callsTo('generate').length;
    const run = await frameforge(['edit', 'sample.jpg', '--provider', 'google', '-p', 'Add a sofa']);
    expect(run.stderr).toContain('edited sample.jpg');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('sample.edited.jpg');
    const meta = await sharp(path.join(dir, 'sample.edited.jpg')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 24, 16]);
    const calls = gemini.callsTo('generate').slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers['x-goog-api-key']).toBe(GOOGLE_KEY);
  });

  it('--provider fal:fal-ai/nano-banana/edit edits sample.jpg through FAL_PROXY_URL', async () => {
    const jobs = fal.jobs.length;
    const run = await frameforge(['edit', 'sample.jpg', '--provider', 'fal:fal-ai/nano-banana/edit', '-o', 'out.png']);
    expect(run.stderr).toContain('edited sample.jpg');
    expect(run.code).toBe(0);
    const meta = await sharp(path.join(dir, 'out.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 20, 14]);
    const job = fal.jobs[jobs]!;
    expect(job.endpoint).toBe('fal-ai/nano-banana/edit');
    expect(job.input).toMatchObject({ image_urls: [expect.stringContaining(fal.url)], output_format: 'png' });
  });

  it('a rejected key exits 2 and names the variable', async () => {
    const run = await frameforge(['edit', 'sample.jpg', '--provider', 'google'], { GOOGLE_API_KEY: 'not-the-key' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/GOOGLE_API_KEY/);
    expect(run.stderr).not.toContain('not-the-key');
  });
});

describe('keys never printed', () => {
  it('appear in no output of succeeding and failing edits, with --verbose and --json, even when echoed back', async () => {
    const echo = (key: string) => `upstream said: request with key ${key} failed`;
    gemini.script('generate', geminiError(400, 'INVALID_ARGUMENT', echo(GOOGLE_KEY)));
    fal.script('submit', falError(400, echo(FAL_KEY)));
    const runs = [
      await frameforge(['--verbose', 'edit', 'sample.jpg', '--provider', 'google', '-o', 'a.jpg']),
      await frameforge(['--verbose', 'edit', 'sample.jpg', '--provider', 'fal:fal-ai/nano-banana/edit', '-o', 'b.jpg']),
      await frameforge(['--verbose', 'edit', 'sample.jpg', '--provider', 'google', '-o', 'c.jpg']),
      await frameforge(['--verbose', 'edit', 'sample.jpg', '--provider', 'fal:fal-ai/flux-kontext/dev', '-o', 'd.jpg', '--json']),
      await frameforge(['--verbose', 'edit', 'sample.jpg', '--provider', 'google', '-o', 'e.jpg'], { GOOGLE_API_KEY: 'wrong-KEY-99' }),
    ];
    expect(runs.map((r) => r.code)).toEqual([1, 1, 0, 0, 2]);
    // The echoed errors really were shown (scrubbed), so the check below means something.
    expect(runs[0]!.stderr).toContain('upstream said: request with key *** failed');
    expect(runs[1]!.stderr).toContain('upstream said: request with key *** failed');
    for (const run of runs) {
      for (const key of [GOOGLE_KEY, FAL_KEY, 'wrong-KEY-99']) {
        expect(run.stdout).not.toContain(key);
        expect(run.stderr).not.toContain(key);
      }
    }
    // Five program starts in a row: minutes, not seconds, on a busy shared machine.
  }, 180_000);
});

describe('models, sizes and framing from the command line', () => {
  it('--size 4K reaches Gemini as imageSize 4K, with the input framing as the aspect ratio', async () => {
    const before = gemini.callsTo('generate').length;
    const run = await frameforge(['edit', 'sample.jpg', '--provider', 'nano-banana-pro', '--size', '4k', '-o', 'big.jpg']);
    expect(run.code).toBe(0);
    const call = gemini.callsTo('generate')[before]!;
    expect(call.path).toBe('/v1beta/models/gemini-3-pro-image:generateContent');
    const meta = await sharp(path.join(ROOT, 'assets/sample-room.jpg')).metadata();
    const framing = nearestRatio(meta.width!, meta.height!, ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']);
    expect((call.json as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig).toEqual({ imageSize: '4K', aspectRatio: framing });
  });

  it('an aspect ratio or size the model cannot take exits 2 before any network call, listing the valid values', async () => {
    const calls = gemini.calls.length + fal.calls.length;
    const ratio = await frameforge(['edit', 'sample.jpg', '--provider', 'nano-banana-pro', '--aspect-ratio', '8:1']);
    const size = await frameforge(['edit', 'sample.jpg', '--provider', 'google', '--size', '3K']);
    expect([ratio.code, size.code]).toEqual([2, 2]);
    expect(ratio.stderr).toMatch(/does not take the aspect ratio "8:1"\. Valid: auto, 1:1/);
    expect(size.stderr).toMatch(/--size must be one of auto, 1K, 2K, 4K/);
    expect(gemini.calls.length + fal.calls.length).toBe(calls);
  });

  it('fal:fal-ai/flux/dev edits through flux/dev/image-to-image and says so on stderr and in --json', async () => {
    const jobs = fal.jobs.length;
    const run = await frameforge(['edit', 'sample.jpg', '--provider', 'fal:fal-ai/flux/dev', '-o', 'f.jpg', '--json']);
    expect(run.code).toBe(0);
    expect(fal.jobs[jobs]!.endpoint).toBe('fal-ai/flux/dev/image-to-image');
    expect(run.stderr).toMatch(/text-to-image model; editing through fal:fal-ai\/flux\/dev\/image-to-image/);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; warning?: string });
    expect(events.find((e) => e.event === 'warning')?.warning).toMatch(/editing through fal:fal-ai\/flux\/dev\/image-to-image/);
    expect(events.some((e) => e.event === 'done')).toBe(true);
  });

  it('a text-to-image id is refused with exit 2 and nothing uploaded', async () => {
    const uploads = fal.uploads.size;
    const run = await frameforge(['edit', 'sample.jpg', '--provider', 'fal:fal-ai/bytedance/seedream/v4/text-to-image']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/fal:fal-ai\/bytedance\/seedream\/v4\/edit/);
    expect(fal.uploads.size).toBe(uploads);
  });
});
