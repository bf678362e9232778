/**
 * Serving a team (issue 11): access tokens, REQUIRE_CLIENT_KEYS, the startup
 * warning, `frameforge token`. Against the real server on port 0.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startupWarnings } from '../../src/cli/commands/serve.js';
import { main } from '../../src/cli/main.js';
import { configFrom, loadConfig } from '../../src/core/config.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { form, jpeg, postEdit, startServer, type TestServer } from './helpers.js';

const TOKEN_A = 'team-token-alpha-0123456789abcdef';
const TOKEN_B = 'team-token-bravo-0123456789abcdef';
const HASHED = 'team-token-charlie-only-hashed-42';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const servers: TestServer[] = [];
const fakes: GeminiServer[] = [];
async function start(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all([...servers.splice(0).map((s) => s.close()), ...fakes.splice(0).map((f) => f.close())]);
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
async function codeOf(res: Response): Promise<string> {
  return ((await res.json()) as { code: string }).code;
}
function accessLines(server: TestServer): Record<string, unknown>[] {
  return server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
}

describe('access tokens', () => {
  it('no token or a wrong one: 401 unauthorized with a Bearer challenge; the right one passes; health and the OpenAPI document stay open', async () => {
    const config = await loadConfig({ cwd: await tempDir(), env: { SERVER_TOKENS: `${TOKEN_A}, ${TOKEN_B}` } });
    const server = await start({ serverTokens: config.serverTokens! });
    const image = await jpeg();

    const none = await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await codeOf(none)).toBe('unauthorized');
    const wrong = await fetch(`${server.url}/api/providers`, { headers: bearer(`${TOKEN_A}x`) });
    expect(wrong.status).toBe(401);
    // `Authorization: Key` is a fal key, never a token.
    expect((await fetch(`${server.url}/api/providers`, { headers: { Authorization: `Key ${TOKEN_A}` } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/nowhere`)).status).toBe(401);

    expect((await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }), bearer(TOKEN_A))).status).toBe(200);
    expect((await fetch(`${server.url}/api/providers`, { headers: bearer(TOKEN_B) })).status).toBe(200);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/openapi.json`)).status).toBe(200);
  });

  it('takes sha256: lines from SERVER_TOKENS_FILE (comments and blank lines skipped), together with SERVER_TOKENS', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'tokens');
    await writeFile(file, `# team tokens\n\nsha256:${sha256(HASHED)}\n${TOKEN_B}\n`);
    const config = await loadConfig({ cwd: dir, env: { SERVER_TOKENS_FILE: file, SERVER_TOKENS: TOKEN_A } });
    const server = await start({ serverTokens: config.serverTokens!, serverTokensFile: config.serverTokensFile! });
    for (const token of [HASHED, TOKEN_A, TOKEN_B]) {
      expect((await fetch(`${server.url}/api/providers`, { headers: bearer(token) })).status, token).toBe(200);
    }
    // The hashed line is a verifier, not a credential.
    expect((await fetch(`${server.url}/api/providers`, { headers: bearer(`sha256:${sha256(HASHED)}`) })).status).toBe(401);
  });

  it('refuses to start on a missing or empty tokens file, or a short token, naming the setting and never the value', async () => {
    const dir = await tempDir();
    await expect(startServer({ serverTokensFile: path.join(dir, 'absent') })).rejects.toMatchObject({ code: 'invalid_config', subject: 'SERVER_TOKENS_FILE' });
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '# nothing yet\n');
    await expect(startServer({ serverTokensFile: empty })).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringContaining('holds no token') });
    const bad = path.join(dir, 'bad');
    await writeFile(bad, `${TOKEN_A}\nshort-secret\n`);
    const error = (await startServer({ serverTokensFile: bad }).then(() => undefined, (e: unknown) => e)) as Error;
    expect(error.message).toContain('line 2');
    expect(error.message).not.toContain('short-secret');
    const env = (await loadConfig({ cwd: dir, env: { SERVER_TOKENS: 'tiny-secret' } }).then(() => undefined, (e: unknown) => e)) as Error;
    expect(env.message).toContain('SERVER_TOKENS');
    expect(env.message).not.toContain('tiny-secret');
  });

  it('counts rate limits per token, not per address', async () => {
    const server = await start({ serverTokens: [TOKEN_A, TOKEN_B], requestsPerHour: 2 });
    const get = (token: string) => fetch(`${server.url}/api/providers`, { headers: bearer(token) });
    expect((await get(TOKEN_A)).status).toBe(200);
    expect((await get(TOKEN_A)).status).toBe(200);
    const limited = await get(TOKEN_A);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()) as { detail: string }).toMatchObject({ detail: expect.stringContaining('this access token') });
    // Same address, another token: its own count.
    expect((await get(TOKEN_B)).status).toBe(200);
  });

  it('logs a short fingerprint of the token (the start of its sha256 line), never the token', async () => {
    const server = await start({ serverTokens: [TOKEN_A] });
    expect((await postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'mock' }), bearer(TOKEN_A))).status).toBe(200);
    expect((await fetch(`${server.url}/api/providers`, { headers: bearer(TOKEN_B) })).status).toBe(401);
    // The access line is written when the response closes: wait for both lines, not for time.
    await Promise.all(['/api/edit', '/api/providers'].map((p) => server.waitForLog((l) => l.msg === 'request' && l.path === p)));
    const lines = accessLines(server);
    const edit = lines.find((l) => l.path === '/api/edit')!;
    expect(edit.token).toBe(sha256(TOKEN_A).slice(0, 12));
    expect(edit.status).toBe(200);
    const refused = lines.find((l) => l.path === '/api/providers')!;
    expect(refused).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(refused.token).toBeUndefined();
    const all = server.logs.join('\n');
    expect(all).not.toContain(TOKEN_A);
    expect(all).not.toContain(TOKEN_B);
  });
});

describe('REQUIRE_CLIENT_KEYS', () => {
  it("refuses an edit without a key header even though the server has a key, and never calls the provider with the server's key", async () => {
    const serverKey = 'server-own-google-key-123456';
    const clientKey = 'client-own-google-key-654321';
    const gemini = await startGeminiServer();
    fakes.push(gemini);
    const config = await loadConfig({ cwd: await tempDir(), env: { REQUIRE_CLIENT_KEYS: 'true' } });
    const server = await start({ requireClientKeys: config.requireClientKeys, googleApiKey: serverKey, googleBaseUrl: gemini.url });
    const image = await jpeg();

    const refused = await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'google' }));
    expect(refused.status).toBe(401);
    const body = (await refused.json()) as { code: string; detail: string };
    expect(body.code).toBe('missing_api_key');
    expect(body.detail).toContain('X-Google-API-Key');
    expect(gemini.calls).toHaveLength(0);

    const own = await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'google' }), { 'X-Google-API-Key': clientKey });
    expect(own.status).toBe(200);
    expect(gemini.calls.map((c) => c.headers['x-goog-api-key'])).toEqual([clientKey]);
    // The mock spends no key, so it still answers.
    expect((await postEdit(server.url, form([['images', image, 'a.jpg']], { provider: 'mock' }))).status).toBe(200);
  });
});

describe('startup warning on a reachable address', () => {
  const keyed = { googleApiKey: 'server-key-abcdef-123', allowedOrigins: ['https://app.example.com'] };

  it('warns on a non-loopback host without tokens or REQUIRE_CLIENT_KEYS, and only then', () => {
    const open = startupWarnings(configFrom({ ...keyed, host: '0.0.0.0' }));
    expect(open).toHaveLength(1);
    expect(open[0]).toContain('anyone who can reach this port can run edits on this server');
    expect(open[0]).toContain('SERVER_TOKENS');
    expect(startupWarnings(configFrom({ ...keyed, host: '0.0.0.0', serverTokens: [TOKEN_A] }))).toEqual([]);
    expect(startupWarnings(configFrom({ ...keyed, host: '::', serverTokensFile: '/run/secrets/tokens' }))).toEqual([]);
    expect(startupWarnings(configFrom({ ...keyed, host: '192.168.1.20', requireClientKeys: true }))).toEqual([]);
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1', '[::1]']) expect(startupWarnings(configFrom({ ...keyed, host })), host).toEqual([]);
  });

  it('is logged by `frameforge serve --host 0.0.0.0`', async () => {
    const controller = new AbortController();
    let stderr = '';
    let listening: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const code = main(['serve', '--host', '0.0.0.0', '--port', '0'], {
      stdout: { write: (s: string) => listening(s.trim()) },
      stderr: { write: (s: string) => (stderr += s) },
      stdinIsTTY: false,
      env: { GOOGLE_API_KEY: keyed.googleApiKey, ALLOWED_ORIGINS: 'https://app.example.com', LOG_FORMAT: 'json' },
      cwd: await tempDir(),
      signal: controller.signal,
    });
    expect(await url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    controller.abort(new Error('test done'));
    expect(await code).toBe(0);
    const warnings = stderr.split('\n').filter((l) => l.includes('"level":"warn"'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('anyone who can reach this port');
    expect(stderr).not.toContain(keyed.googleApiKey);
  });
});

describe('frameforge token', () => {
  it('prints a new random token and its sha256 line', async () => {
    const cwd = await tempDir();
    const first = await runCli(['token'], { cwd });
    const second = await runCli(['token'], { cwd });
    expect(first.code).toBe(0);
    const [token, line, ...rest] = first.stdout.split('\n');
    expect(rest).toEqual(['']);
    expect(token).toMatch(/^ff_[A-Za-z0-9_-]{43}$/);
    expect(line).toBe(`sha256:${sha256(token!)}`);
    expect(second.stdout.split('\n')[0]).not.toBe(token);
    // What it prints is what the server takes.
    const config = await loadConfig({ cwd, env: { SERVER_TOKENS: line! } });
    const server = await start({ serverTokens: config.serverTokens! });
    expect((await fetch(`${server.url}/api/providers`, { headers: bearer(token!) })).status).toBe(200);
  });
});
