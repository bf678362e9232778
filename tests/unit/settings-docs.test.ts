/**
 * The settings table is the source of truth; .env.example and the README must
 * mention every setting it has, so none is documented in one place and
 * forgotten in another.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { parseEnv } from 'node:util';
import { loadConfig } from '../../src/core/config.js';
import { SETTINGS } from '../../src/core/settings.js';
import { ROOT, tempDir } from '../support/cli.js';

test('.env.example mentions every environment variable, and its values are valid', async () => {
  const example = await readFile(path.join(ROOT, '.env.example'), 'utf8');
  for (const setting of SETTINGS) {
    for (const name of setting.env) {
      if (name === 'HOST' || name === 'PORT') continue; // aliases, mentioned in prose
      expect(example, `${name} missing from .env.example`).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
  }
  const values = parseEnv(example) as Record<string, string>;
  await expect(loadConfig({ cwd: await tempDir(), env: values })).resolves.toBeDefined();
});

test('the README configuration table lists every environment variable', async () => {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  for (const setting of SETTINGS) {
    for (const name of setting.env) expect(readme, `${name} missing from README`).toContain(`\`${name}\``);
  }
});
