/** `frameforge worker` and `serve --no-worker` refuse to start without the Redis they need. */
import { expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

it('worker without REDIS_URL exits 2 naming the setting', async () => {
  const run = await runCli(['worker'], { cwd: await tempDir() });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('REDIS_URL');
});

it('serve --no-worker without REDIS_URL exits 2 naming the setting', async () => {
  const run = await runCli(['serve', '--no-worker', '--port', '0'], { cwd: await tempDir() });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('REDIS_URL');
});

it('a REDIS_URL that is not a redis:// URL is refused without being echoed', async () => {
  const run = await runCli(['worker'], { cwd: await tempDir(), env: { REDIS_URL: 'http://user:hunter2@example.com' } });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('REDIS_URL');
  expect(run.stderr).not.toContain('hunter2');
});
