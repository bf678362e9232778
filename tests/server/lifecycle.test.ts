/**
 * The server's lifecycle: close() drains requests in flight and refuses new
 * connections; the real CLI (`node bin/frameforge.js serve`) prints its URL,
 * drains on SIGTERM and exits 0, and refuses an invalid configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { startupWarnings } from '../../src/cli/commands/serve.js';
import { startFalServer } from '../fakes/fal-server.js';
import { startGeminiServer } from '../fakes/gemini-server.js';
import { form, jpeg, postEdit, startServer } from './helpers.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/frameforge.js');

function connects(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('serve().close()', () => {
  it('lets an edit in flight finish and refuses new connections', async () => {
    const gemini = await startGeminiServer();
    let answer!: () => void;
    gemini.script('generate', { until: new Promise<void>((resolve) => (answer = resolve)) });
    const server = await startServer({ googleApiKey: 'drain-key-1', googleBaseUrl: gemini.url });
    try {
      const inFlight = postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'google' }));
      // In flight: the upload is done and the provider has the call. Not a sleep: close() drops
      // connections with no request under way, so a request still being sent on a loaded machine
      // was reset (ECONNRESET) when close() came after a fixed 200 ms.
      await gemini.waitForCall('generate');
      const closed = server.close();
      expect(server.server.listening).toBe(false);
      expect(await connects(server.url)).toBe(false);
      answer();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.headers.get('x-frameforge-provider')).toBe('google');
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
      await closed;
    } finally {
      await gemini.close();
    }
  });

  it('cuts requests still in flight after the drain timeout', async () => {
    const gemini = await startGeminiServer();
    gemini.script('generate', { until: new Promise(() => undefined) });
    const server = await startServer({ googleApiKey: 'drain-key-2', googleBaseUrl: gemini.url }, { drainTimeoutMs: 200 });
    try {
      const inFlight = postEdit(server.url, form([['images', await jpeg(), 'a.jpg']], { provider: 'google' })).then(
        (r) => r.status,
        () => 'cut',
      );
      const call = await gemini.waitForCall('generate');
      await server.close();
      expect(await inFlight).toBe('cut');
      await call.abandoned;
    } finally {
      await gemini.close();
    }
  });

  it('cancels the fal job of an edit cut at the drain timeout before close() resolves', async () => {
    const key = 'fal-drain-key:4242';
    const fal = await startFalServer({ apiKey: key, pollsUntilDone: Infinity });
    const server = await startServer({ falKey: key, falProxyUrl: fal.proxyUrl }, { drainTimeoutMs: 300 });
    try {
      const edit = form([['images', await jpeg(), 'a.jpg']], { provider: 'fal:fal-ai/nano-banana/edit' });
      const inFlight = postEdit(server.url, edit).then((r) => r.status, () => 'cut');
      await fal.waitForCall('status');
      await server.close();
      expect(fal.callsTo('cancel')).toHaveLength(1);
      expect(await inFlight).toBe('cut');
    } finally {
      await fal.close();
    }
  });

  it('gives edits the 5-minute deadline, or EDIT_TIMEOUT_SECONDS when that is longer', async () => {
    // Node's own request timeout is the backstop set 10 s behind the edit deadline.
    const standard = await startServer({ editTimeoutSeconds: 120 });
    const longer = await startServer({ editTimeoutSeconds: 900 });
    try {
      expect(standard.server.requestTimeout).toBe((300 + 10) * 1000);
      expect(longer.server.requestTimeout).toBe((900 + 10) * 1000);
    } finally {
      await Promise.all([standard.close(), longer.close()]);
    }
  });
});

describe('frameforge serve (the real CLI)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  function start(
    env: Record<string, string>,
    cwd: string,
  ): { child: ChildProcess; url: Promise<string>; stderr: () => string; logged: (text: string) => Promise<void>; exit: Promise<number | null> } {
    const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    /** Resolves once stderr (the log) contains `text`. */
    const logged = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!err.includes(text)) return false;
          proc.stderr!.off('data', check);
          resolve();
          return true;
        };
        if (check()) return;
        proc.stderr!.on('data', check);
        proc.on('exit', () => reject(new Error(`exited before logging ${JSON.stringify(text)}: ${err}`)));
      });
    const url = new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = /^(http:\/\/\S+)\n/.exec(out);
        if (line) resolve(line[1]!);
      });
      proc.on('exit', (code) => reject(new Error(`exited ${code} before listening: ${err}`)));
    });
    const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    return { child: proc, url, stderr: () => err, logged, exit };
  }

  it('prints its URL, drains an edit in flight on SIGTERM, exits 0, and logs no key', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'ff-serve-'));
    const key = 'cli-configured-google-key-777';
    const headerKey = 'cli-header-fal-key-888';
    const gemini = await startGeminiServer();
    let answer!: () => void;
    gemini.script('generate', { until: new Promise<void>((resolve) => (answer = resolve)) });
    const run = start({ GOOGLE_API_KEY: key, GOOGLE_GEMINI_BASE_URL: gemini.url }, cwd);
    const url = await run.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const inFlight = postEdit(url, form([['images', await jpeg(), 'a.jpg']], { provider: 'google' }), { 'X-Fal-Key': headerKey });
    await gemini.waitForCall('generate');
    run.child.kill('SIGTERM');
    // Answer only once the server is draining, so the edit is one that a drain must let finish.
    await run.logged('signal received');
    answer();
    const res = await inFlight;
    await gemini.close();
    expect(res.status).toBe(200);
    expect(await run.exit).toBe(0);
    expect(await connects(url)).toBe(false);
    const logged = run.stderr();
    expect(logged).toContain('"msg":"request"');
    expect(logged).not.toContain(key);
    expect(logged).not.toContain(headerKey);
  });

  it('exits at once on a second signal', async () => {
    const gemini = await startGeminiServer();
    gemini.script('generate', { until: new Promise(() => undefined) });
    try {
      const run = start({ GOOGLE_API_KEY: 'second-signal-key', GOOGLE_GEMINI_BASE_URL: gemini.url }, await mkdtemp(path.join(tmpdir(), 'ff-serve-')));
      const url = await run.url;
      const inFlight = postEdit(url, form([['images', await jpeg(), 'a.jpg']], { provider: 'google' })).catch(() => 'cut');
      await gemini.waitForCall('generate');
      run.child.kill('SIGTERM');
      await run.logged('signal received');
      expect(run.child.exitCode).toBeNull(); // still draining an edit the provider never answers
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(130);
      expect(await inFlight).toBe('cut');
    } finally {
      await gemini.close();
    }
  });

  it('refuses to start on an invalid setting, naming it', async () => {
    const proc = spawn(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', SERVER_PORT: 'abc' },
      cwd: await mkdtemp(path.join(tmpdir(), 'ff-serve-')),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('SERVER_PORT');
  });
});

describe('startup warnings', () => {
  it('warn without a provider key or with CORS * outside dev mode, and never print a key', () => {
    expect(startupWarnings(configFrom({ devMode: true, googleApiKey: 'k-123456789' }))).toEqual([]);
    const bare = startupWarnings(configFrom({}));
    expect(bare).toHaveLength(2);
    expect(bare[0]).toContain('No provider key');
    expect(bare[1]).toContain('ALLOWED_ORIGINS');
    const withKey = startupWarnings(configFrom({ googleApiKey: 'secret-key-value-1', allowedOrigins: ['http://localhost:5173'] }));
    expect(withKey).toEqual([]);
  });
});
