import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { DEFAULT_PROMPT } from '../../src/core/settings.js';

async function dir(files: Record<string, string> = {}): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'ff-config-'));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(d, name), content);
  return d;
}

describe('loading configuration', () => {
  test('defaults match the contract', async () => {
    const config = await loadConfig({ cwd: await dir(), env: {} });
    expect(config.defaultProvider).toBe('google');
    expect(config.googleModelId).toBe('gemini-3.1-flash-image');
    expect(config.googleApiVersion).toBe('v1beta');
    expect(config.defaultSize).toBe('auto');
    expect(config.defaultPrompt).toBe(DEFAULT_PROMPT);
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8000);
    expect(config.allowedOrigins).toEqual(['*']);
    expect(config.devMode).toBe(false);
  });

  test('later sources win: file < .env < environment < flags', async () => {
    const cwd = await dir({
      '.frameforgerc.json': JSON.stringify({ defaultProvider: 'mock', port: 7001, googleModelId: 'from-file' }),
      '.env': 'SERVER_PORT=7002\nGOOGLE_MODEL_ID=from-dotenv\n',
    });
    const config = await loadConfig({ cwd, env: { GOOGLE_MODEL_ID: 'from-env' }, flags: { port: 7004 } });
    expect(config.defaultProvider).toBe('mock');
    expect(config.sources.defaultProvider).toBe('file');
    expect(config.googleModelId).toBe('from-env');
    expect(config.port).toBe(7004);
    expect(config.sources.port).toBe('flag');
    const withoutFlag = await loadConfig({ cwd, env: {} });
    expect(withoutFlag.port).toBe(7002);
    expect(withoutFlag.googleModelId).toBe('from-dotenv');
  });

  test('YAML, package.json and .ts config files are found', async () => {
    expect((await loadConfig({ cwd: await dir({ '.frameforgerc.yaml': 'defaultProvider: mock\n' }), env: {} })).defaultProvider).toBe('mock');
    const pkg = await dir({ 'package.json': JSON.stringify({ name: 'x', frameforge: { defaultPrompt: 'Paint it blue' } }) });
    expect((await loadConfig({ cwd: pkg, env: {} })).defaultPrompt).toBe('Paint it blue');
    const ts = await dir({ 'frameforge.config.ts': "const config: { port: number } = { port: 9123 };\nexport default config;\n", 'package.json': '{"type":"module"}' });
    expect((await loadConfig({ cwd: ts, env: {} })).port).toBe(9123);
  });

  test('an invalid value is an error naming the setting, never a silent default', async () => {
    await expect(loadConfig({ cwd: await dir(), env: { SERVER_PORT: 'abc' } })).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('SERVER_PORT'),
    });
    await expect(loadConfig({ cwd: await dir(), env: { ALLOWED_ORIGINS: '["not a url"]' } })).rejects.toThrow(/ALLOWED_ORIGINS/);
    await expect(loadConfig({ cwd: await dir(), env: { DEV_MODE: 'maybe' } })).rejects.toThrow(/DEV_MODE/);
    await expect(loadConfig({ cwd: await dir({ '.env': 'PORT=99999\n' }), env: {} })).rejects.toThrow(/PORT.*\.env/);
    await expect(loadConfig({ cwd: await dir({ '.frameforgerc.json': '{"port":"x"}' }), env: {} })).rejects.toThrow(/port.*\.frameforgerc\.json/);
  });

  test('an unknown key in a config file is an error naming it', async () => {
    await expect(loadConfig({ cwd: await dir({ '.frameforgerc.json': '{"defaultProvder":"mock"}' }), env: {} })).rejects.toThrow(/defaultProvder/);
  });

  test('ALLOWED_ORIGINS takes the earlier JSON array format and a comma list', async () => {
    const cwd = await dir();
    expect((await loadConfig({ cwd, env: { ALLOWED_ORIGINS: '["http://localhost:5173"]' } })).allowedOrigins).toEqual(['http://localhost:5173']);
    expect((await loadConfig({ cwd, env: { ALLOWED_ORIGINS: 'http://a.test, https://b.test:8443' } })).allowedOrigins).toEqual([
      'http://a.test',
      'https://b.test:8443',
    ]);
  });

  test('GOOGLE_API_KEY wins over GEMINI_API_KEY; an invalid key is never echoed', async () => {
    const cwd = await dir();
    expect((await loadConfig({ cwd, env: { GEMINI_API_KEY: 'gem', GOOGLE_API_KEY: 'goo' } })).googleApiKey).toBe('goo');
    expect((await loadConfig({ cwd, env: { GEMINI_API_KEY: 'gem' } })).googleApiKey).toBe('gem');
    const error = await loadConfig({ cwd, env: { FAL_KEY: 'secret with spaces' } }).catch((e: Error) => e);
    expect((error as Error).message).toContain('FAL_KEY');
    expect((error as Error).message).not.toContain('secret');
  });
});
