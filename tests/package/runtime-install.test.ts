/**
 * The container's runtime stage, tested without a container engine: the packed
 * tarball installed by the very script the Dockerfile runs
 * (scripts/install-runtime.sh) into a clean folder, then `frameforge serve` from
 * there answering /api/health, and the image's HEALTHCHECK command
 * (`frameforge health --url`) passing while it runs and failing once it stops.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';
import { installRuntime, packRepo } from '../support/pack.js';

let app: { dir: string; bin: string };

beforeAll(async () => {
  const { tarball } = await packRepo();
  app = await installRuntime(tarball);
}, 300_000);

function runBin(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [app.bin, ...args], { cwd: app.dir, env: { PATH: process.env.PATH } }, (error, stdout) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout });
    });
  });
}

const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

test('the runtime install holds the production dependencies and none of the development ones', async () => {
  // The lock marks what only development needs (`"dev": true`); a package both sides use is not marked.
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; optional?: boolean }>;
  };
  const entries = Object.entries(lock.packages).filter(([where]) => where.startsWith('node_modules/'));
  const devOnly = entries.filter(([, p]) => p.dev).map(([where]) => where);
  const production = entries.filter(([, p]) => !p.dev && !p.optional).map(([where]) => where);
  expect(devOnly).toEqual(expect.arrayContaining(['node_modules/typescript', 'node_modules/vitest']));
  for (const where of devOnly) expect(existsSync(path.join(app.dir, where)), where).toBe(false);
  for (const where of production) expect(existsSync(path.join(app.dir, where)), where).toBe(true);
  // Built code only: no TypeScript sources or tests came along.
  expect(existsSync(path.join(app.dir, 'src'))).toBe(false);
  expect(existsSync(path.join(app.dir, 'tests'))).toBe(false);
});

test('serve from the runtime install answers /api/health, and the HEALTHCHECK command follows it', async () => {
  const child = spawn(process.execPath, [app.bin, 'serve'], {
    cwd: app.dir,
    // What the image sets, except the address: tests stay on loopback and a free port.
    env: { PATH: process.env.PATH, NODE_ENV: 'production', SERVER_HOST: '127.0.0.1', SERVER_PORT: '0', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^(http:\/\/\S+)\n/.exec(out);
      if (line?.[1]) resolve(line[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before printing its URL`)));
  });

  const response = await fetch(new URL('/api/health', url));
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok' });

  const healthy = await runBin(['health', '--url', url]);
  expect(healthy.code).toBe(0);
  expect(healthy.stdout).toContain('answered 200');

  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const down = await runBin(['health', '--url', url]);
  expect(down.code).toBe(1);
  expect(down.stdout).toContain('did not answer');
}, 60_000);

test('the Dockerfile runs this recipe in a non-root runtime stage on 0.0.0.0 with the health check', async () => {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  expect(stages).toHaveLength(2);
  const [build, runtime] = stages as [string, string];
  expect(build).toMatch(/^node:24-slim AS build/);
  expect(build).toContain('npm pack');
  expect(runtime).toMatch(/^node:24-slim AS runtime/);
  expect(runtime).toContain('install-runtime.sh');
  expect(runtime).toMatch(/SERVER_HOST=0\.0\.0\.0/);
  expect(runtime).toMatch(/^USER node$/m);
  expect(runtime).toMatch(/HEALTHCHECK[\s\S]*frameforge health --url/);
  // Nothing from the build stage but the packed package, its lock and the recipe.
  expect(runtime.match(/COPY .*/g)).toEqual(['COPY --from=build /out /tmp/pkg']);
});
