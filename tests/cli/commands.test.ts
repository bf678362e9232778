import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runBuiltCli, runCli, tempDir } from '../support/cli.js';

const CONTRACT_IDS = [
  'google', 'nano-banana', 'nano-banana-pro', 'mock',
  'fal:fal-ai/nano-banana-2/edit', 'fal:fal-ai/nano-banana-pro/edit', 'fal:fal-ai/nano-banana/edit', 'fal:fal-ai/qwen-image-edit-2511',
  'fal:fal-ai/bytedance/seedream/v4/edit', 'fal:fal-ai/bytedance/seedream/v4.5/edit', 'fal:fal-ai/flux-2/edit',
  'fal:fal-ai/flux-kontext/dev', 'fal:fal-ai/flux/dev/image-to-image',
];

describe('frameforge providers', () => {
  test('--json parses and lists the contract ids, readiness and the default', async () => {
    const run = await runCli(['providers', '--json'], { cwd: await tempDir(), env: { FAL_KEY: 'k' } });
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { default: string; providers: { id: string; ready: boolean; default: boolean }[] };
    expect(body.default).toBe('google');
    expect(body.providers.map((p) => p.id).sort()).toEqual([...CONTRACT_IDS].sort());
    expect(body.providers.find((p) => p.id === 'fal:fal-ai/flux/dev/image-to-image')?.ready).toBe(true);
    expect(body.providers.find((p) => p.id === 'google')).toMatchObject({ ready: false, default: true });
  });

  test('the default follows DEFAULT_PROVIDER', async () => {
    const run = await runCli(['providers', '--json'], { cwd: await tempDir(), env: { DEFAULT_PROVIDER: 'mock' } });
    expect(JSON.parse(run.stdout).providers.find((p: { id: string }) => p.id === 'mock').default).toBe(true);
  });
});

describe('frameforge health', () => {
  test('reports config, keys and the image library; fails without a key for the default', async () => {
    const cwd = await tempDir();
    const bad = await runCli(['health', '--json'], { cwd, env: {} });
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as { status: string; checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.status).toBe('error');
    expect(report.checks.find((c) => c.name === 'image library')).toMatchObject({ ok: true, detail: expect.stringContaining('jpeg') });
    expect(report.checks.find((c) => c.name === 'default provider')?.detail).toMatch(/GOOGLE_API_KEY/);
    const good = await runCli(['health', '--json'], { cwd, env: { DEFAULT_PROVIDER: 'mock' } });
    expect(good.code).toBe(0);
  });

  test('an invalid setting fails the config check, naming it', async () => {
    const run = await runCli(['health'], { cwd: await tempDir(), env: { SERVER_PORT: 'abc' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL config: .*SERVER_PORT/);
  });

  test('--url reports an unreachable server', async () => {
    const run = await runCli(['health', '--url', 'http://127.0.0.1:9', '--json'], { cwd: await tempDir() });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).checks[0]).toMatchObject({ name: 'server', ok: false });
  });
});

describe('the program', () => {
  test('--version and --help work without loading commands', async () => {
    const cwd = await tempDir();
    const version = await runBuiltCli(['--version'], { cwd });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await runBuiltCli(['edit', '--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--provider');
  });

  test('an unknown option is a usage error, exit 2', async () => {
    const run = await runCli(['edit', 'x.jpg', '--bogus'], { cwd: await tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown option/);
  });

  test('an invalid config file stops every command with exit 2, naming the key', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, '.frameforgerc.json'), '{"portt": 1}');
    const run = await runCli(['providers'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/portt/);
  });

  test('colours never appear with NO_COLOR, even when forced to a terminal', async () => {
    const run = await runCli(['providers'], { cwd: await tempDir(), env: { NO_COLOR: '1' }, tty: true });
    // eslint-disable-next-line no-control-regex
    expect(run.stdout + run.stderr).not.toMatch(/\u001b\[/);
    const coloured = await runCli(['providers'], { cwd: await tempDir(), env: {}, tty: true });
    // eslint-disable-next-line no-control-regex
    expect(coloured.stdout).toMatch(/\u001b\[/);
  });
});
