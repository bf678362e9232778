/**
 * `frameforge health --live` (issue 9, item 8): one cheap authenticated call
 * to the provider, announced before it goes out; plain `health` stays offline.
 * The real CLI and the real @google/genai against the fake Gemini (and plain
 * fetch against the fake fal); assertions on what the fakes received.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { startFalServer, type FalServer } from '../fakes/fal-server.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { runCli, tempDir } from '../support/cli.js';

const KEY = 'gk-live-5c1e93';
const FAL_KEY = 'fk-live-08d2:secret';
let gemini: GeminiServer;
let fal: FalServer;

beforeEach(async () => {
  gemini = await startGeminiServer({ apiKey: KEY, models: ['gemini-3.1-flash-image', 'gemini-3-pro-image'] });
  fal = await startFalServer({ apiKey: FAL_KEY, endpoints: ['fal-ai/nano-banana-2/edit'] });
});
afterEach(async () => {
  await gemini.close();
  await fal.close();
});

interface Report {
  status: string;
  checks: { name: string; ok: boolean; detail: string; code?: string }[];
}

const env = (extra: Record<string, string> = {}) => ({
  GOOGLE_API_KEY: KEY,
  GOOGLE_GEMINI_BASE_URL: gemini.url,
  FAL_KEY,
  FAL_PROXY_URL: fal.proxyUrl,
  ...extra,
});

async function live(args: string[], extra: Record<string, string> = {}) {
  const run = await runCli(['health', '--live', '--json', ...args], { cwd: await tempDir(), env: env(extra) });
  const report = JSON.parse(run.stdout) as Report;
  return { ...run, report, check: report.checks.find((c) => c.name.startsWith('live '))! };
}

describe('health --live against Gemini', () => {
  test('says it makes a network call before making it, then makes exactly one models.get with the key', async () => {
    // Hold the fake's answer: what the command printed while its call is in flight was printed before the call.
    let release!: () => void;
    gemini.script('get', { until: new Promise<void>((resolve) => (release = resolve)) });
    let stdout = '';
    let stderr = '';
    const io: CliIO = {
      stdout: { write: (s: string) => (stdout += s), isTTY: false },
      stderr: { write: (s: string) => (stderr += s), isTTY: false },
      stdinIsTTY: false,
      env: env(),
      cwd: await tempDir(),
      signal: new AbortController().signal,
    };
    const running = main(['health', '--live'], io);
    await gemini.waitForCall('get');
    expect(stderr).toMatch(/network call to Gemini .*models\.get for gemini-3\.1-flash-image on v1beta/);
    expect(stdout).toBe('');
    release();
    // The held call was answered from the script (an empty 200), so run the normal answer once more below.
    await running;

    const run = await live([]);
    expect(run.code).toBe(0);
    expect(run.check).toMatchObject({ name: 'live google', ok: true });
    expect(run.check.detail).toMatch(/accepted the key; gemini-3\.1-flash-image exists on v1beta/);
    const second = gemini.calls.slice(1);
    expect(second.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v1beta/models/gemini-3.1-flash-image']);
    expect(second[0]!.headers['x-goog-api-key']).toBe(KEY);
    expect(gemini.callsTo('generate')).toHaveLength(0);
    expect(fal.calls).toHaveLength(0);
  });

  test('GOOGLE_API_VERSION and --provider choose what is asked for', async () => {
    const run = await live(['--provider', 'nano-banana-pro'], { GOOGLE_API_VERSION: 'v1' });
    expect(run.code).toBe(0);
    expect(gemini.calls.map((c) => c.path)).toEqual(['/v1/models/gemini-3-pro-image']);
    expect(run.stderr).toMatch(/models\.get for gemini-3-pro-image on v1\b/);
  });

  test('a bad key fails clearly: invalid_api_key, GOOGLE_API_KEY named, the key never printed, exit 1', async () => {
    const wrong = 'gk-WRONG-d41d8cd98f';
    const run = await live([], { GOOGLE_API_KEY: wrong });
    expect(run.code).toBe(1);
    expect(run.report.status).toBe('error');
    expect(run.check).toMatchObject({ ok: false, code: 'invalid_api_key' });
    expect(run.check.detail).toMatch(/Gemini rejected the API key/);
    expect(run.check.detail).toContain('GOOGLE_API_KEY');
    expect(run.stdout + run.stderr).not.toContain(wrong);
    expect(gemini.calls).toHaveLength(1);
    expect(gemini.calls[0]!.headers['x-goog-api-key']).toBe(wrong);

    const text = await runCli(['health', '--live'], { cwd: await tempDir(), env: env({ GOOGLE_API_KEY: wrong }) });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FAIL live google: Gemini rejected the API key .*GOOGLE_API_KEY/);
    expect(text.stdout + text.stderr).not.toContain(wrong);
  });

  test('a model the API version does not serve is model_not_found naming model and version', async () => {
    const run = await live(['--provider', 'google:gemini-3-pro-image-preview']);
    expect(run.code).toBe(1);
    expect(run.check).toMatchObject({ ok: false, code: 'model_not_found' });
    expect(run.check.detail).toMatch(/no model "gemini-3-pro-image-preview" on API version v1beta/);
    expect(gemini.calls.map((c) => c.path)).toEqual(['/v1beta/models/gemini-3-pro-image-preview']);
  });

  test('no key: missing_api_key naming the variable, and no call, even with DEV_MODE', async () => {
    const run = await live([], { GOOGLE_API_KEY: '', DEV_MODE: 'true' });
    expect(run.code).toBe(1);
    expect(run.check).toMatchObject({ ok: false, code: 'missing_api_key' });
    expect(run.check.detail).toContain('GOOGLE_API_KEY');
    expect(gemini.calls).toHaveLength(0);
  });
});

describe('health --live against fal', () => {
  test("one GET of fal's pricing API with the key; says what it does not check", async () => {
    const run = await live(['--provider', 'fal:fal-ai/nano-banana-2/edit']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/network call to fal .*pricing API for fal-ai\/nano-banana-2\/edit/);
    expect(fal.calls.map((c) => c.route)).toEqual(['pricing']);
    const call = fal.calls[0]!;
    expect(call.headers.authorization).toBe(`Key ${FAL_KEY}`);
    expect(String(call.headers['x-fal-target-url'])).toBe('https://api.fal.ai/v1/models/pricing?endpoint_id=fal-ai%2Fnano-banana-2%2Fedit');
    expect(run.check).toMatchObject({ ok: true });
    expect(run.check.detail).toMatch(/fal accepted the key; fal-ai\/nano-banana-2\/edit exists/);
    expect(run.check.detail).toMatch(/Not checked by --live: the account's credit/);
    expect(gemini.calls).toHaveLength(0);
  });

  test('a bad fal key is invalid_api_key naming FAL_KEY; an endpoint fal does not know is model_not_found', async () => {
    const bad = await live(['--provider', 'fal:fal-ai/nano-banana-2/edit'], { FAL_KEY: 'fk-bad-77' });
    expect(bad.check).toMatchObject({ ok: false, code: 'invalid_api_key' });
    expect(bad.check.detail).toContain('FAL_KEY');
    expect(bad.stdout + bad.stderr).not.toContain('fk-bad-77');
    const unknown = await live(['--provider', 'fal:fal-ai/no-such-model/edit']);
    expect(unknown.code).toBe(1);
    expect(unknown.check).toMatchObject({ ok: false, code: 'model_not_found' });
    expect(unknown.check.detail).toContain('fal-ai/no-such-model/edit');
  });

  test('a 403 (a key without the scope for the pricing API) is not called a bad key, and says what went unchecked', async () => {
    fal.script('pricing', { status: 403, json: { detail: 'Forbidden' } });
    const run = await live(['--provider', 'fal:fal-ai/nano-banana-2/edit']);
    expect(run.code).toBe(0);
    expect(run.check.ok).toBe(true);
    expect(run.check.detail).toMatch(/recognised the key but refused it the pricing lookup \(HTTP 403/);
    expect(run.check.detail).toMatch(/Not checked by --live: whether fal knows fal-ai\/nano-banana-2\/edit/);
  });

  test('mock has nothing to check and calls nothing', async () => {
    const run = await live(['--provider', 'mock']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/no network call/);
    expect(gemini.calls.length + fal.calls.length).toBe(0);
  });
});

test('--provider without --live is a usage error (exit 2), not silently ignored', async () => {
  const run = await runCli(['health', '--provider', 'google'], { cwd: await tempDir(), env: env() });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/--provider chooses what --live checks/);
  expect(gemini.calls.length + fal.calls.length).toBe(0);
});

test('without --live, health makes no network call even with keys and provider URLs set', async () => {
  const run = await runCli(['health', '--json'], { cwd: await tempDir(), env: env() });
  expect(run.code).toBe(0);
  expect((JSON.parse(run.stdout) as Report).checks.map((c) => c.name)).toEqual(['config', 'default provider', 'keys', 'image library']);
  expect(run.stderr).not.toMatch(/network call/);
  expect(gemini.calls).toHaveLength(0);
  expect(fal.calls).toHaveLength(0);
});
