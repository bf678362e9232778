/**
 * Mutation testing stays wired up: `npm run test:mutation` runs Stryker, and the
 * GitHub workflow triggers on exactly the files Stryker mutates (plus its config
 * and tests), on pull requests and on main, and keeps the incremental results.
 * Every test file Stryker runs is under one of the workflow's paths, so a change
 * to a test that kills mutants reruns the job.
 */
import { glob, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from 'js-yaml';
import { expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';
import mutationVitest from '../../vitest.mutation.config.js';

interface StrykerModule {
  MUTATED: string[];
  default: { mutate: string[]; incrementalFile: string; vitest: { configFile: string } };
}

test('the mutation workflow runs npm run test:mutation on changes to every mutated file, keeping the incremental file', async () => {
  const stryker = (await import(pathToFileURL(path.join(ROOT, 'stryker.config.mjs')).href)) as StrykerModule;
  expect(stryker.default.mutate).toEqual(stryker.MUTATED);
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts['test:mutation']).toBe('stryker run');
  // The access tests serve the web page: a clean checkout (CI) has to build it before the dry run.
  expect(pkg.scripts['pretest:mutation']).toBe('node scripts/build-web.mjs');
  expect(pkg.scripts.test).not.toContain('stryker');

  const workflow = load(await readFile(path.join(ROOT, '.github/workflows/mutation.yml'), 'utf8')) as {
    on: Record<string, { paths: string[]; branches?: string[] }>;
    jobs: Record<string, { steps: { run?: string; uses?: string; with?: Record<string, string> }[] }>;
  };
  for (const event of ['pull_request', 'push']) {
    const paths = workflow.on[event]!.paths;
    for (const file of [...stryker.MUTATED, 'stryker.config.mjs', stryker.default.vitest.configFile]) expect(paths, event).toContain(file);
  }
  expect(workflow.on.push!.branches).toEqual(['main']);

  // The source files it watches are exactly the mutated ones, and it watches every test Stryker runs.
  const { include = [], exclude = [] } = mutationVitest.test ?? {};
  const testFiles: string[] = [];
  for await (const file of glob(include, { cwd: ROOT })) if (!exclude.some((pattern) => path.matchesGlob(file, pattern))) testFiles.push(file);
  expect(testFiles.length).toBeGreaterThan(10);
  for (const event of ['pull_request', 'push']) {
    const paths = workflow.on[event]!.paths;
    expect(paths.filter((p) => p.startsWith('src/')).sort(), event).toEqual([...stryker.MUTATED].sort());
    const unwatched = testFiles.filter((file) => !paths.some((pattern) => path.matchesGlob(file, pattern)));
    expect(unwatched, event).toEqual([]);
  }
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const mutationStep = steps.findIndex((s) => s.run?.startsWith('npm run test:mutation'));
  expect(mutationStep).toBeGreaterThanOrEqual(0);
  // A test Stryker runs that starts a real redis-server needs one installed on the runner first.
  const needRedis: string[] = [];
  for (const file of testFiles) if ((await readFile(path.join(ROOT, file), 'utf8')).includes('startRedis(')) needRedis.push(file);
  expect(needRedis).toContain('tests/server/shared-rate-limit.test.ts');
  const installsRedis = steps.findIndex((s) => /apt-get install\b.*\bredis-server\b/.test(s.run ?? ''));
  expect(installsRedis, 'a step installs redis-server').toBeGreaterThanOrEqual(0);
  expect(installsRedis).toBeLessThan(mutationStep);
  const cache = steps.find((s) => s.uses?.startsWith('actions/cache@'));
  expect(cache?.with?.path).toBe(stryker.default.incrementalFile);
});
