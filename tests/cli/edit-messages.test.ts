/**
 * What the CLI says when there is no key: the DEV_MODE fallback warning once
 * per run, and a missing-key error that tells a terminal user what to do (the
 * variable, .env, and how to try without a key), while the server's 401 keeps
 * its advice for API clients (the header).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { makeJpeg } from '../support/images.js';
import { form, jpeg, postEdit, startServer } from '../server/helpers.js';

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

test('DEV_MODE without a key: the fallback warning is printed once, for one image and for a batch', async () => {
  const dir = await tempDir();
  for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) await writeFile(path.join(dir, name), await makeJpeg());
  const env = { DEV_MODE: 'true', NO_COLOR: '1' };
  const one = await runCli(['edit', 'a.jpg', '--provider', 'google', '-o', 'one.jpg'], { cwd: dir, env });
  expect(one.code).toBe(0);
  expect(occurrences(one.stderr, 'DEV_MODE: no key for google')).toBe(1);
  expect(one.stderr).toContain('edited a.jpg -> one.jpg (mock fallback)');

  const batch = await runCli(['edit', 'a.jpg', 'b.jpg', 'c.jpg', '--provider', 'google', '-o', 'out'], { cwd: dir, env });
  expect(batch.code).toBe(0);
  expect(occurrences(batch.stderr, 'DEV_MODE: no key for google')).toBe(1);
  expect(occurrences(batch.stderr, '(mock fallback)')).toBe(3);
});

test('no key on the command line: names the variable and .env, and how to try without a key; no server header advice', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'a.jpg'), await makeJpeg());
  for (const [provider, variable] of [['google', 'GOOGLE_API_KEY'], ['fal:fal-ai/nano-banana/edit', 'FAL_KEY']] as const) {
    const run = await runCli(['edit', 'a.jpg', '--provider', provider], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(variable);
    expect(run.stderr).toContain('.env');
    expect(run.stderr).toContain('--provider mock');
    expect(run.stderr).toContain('DEV_MODE=true');
    expect(run.stderr).not.toMatch(/header/i);
  }
});

test("the server's 401 for a missing key still points API clients at the header", async () => {
  const server = await startServer({ googleApiKey: undefined, devMode: false });
  try {
    const res = await postEdit(server.url, form([['image', await jpeg(), 'room.jpg']], { provider: 'google' }));
    expect(res.status).toBe(401);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('missing_api_key');
    expect(body.detail).toContain('X-Google-API-Key');
    expect(body.detail).not.toContain('--provider mock');
  } finally {
    await server.close();
  }
});
