/**
 * The GitHub workflows parse as YAML and say what the project relies on: CI on
 * pull requests and main on the Node floor (taken from package.json) and 24 with
 * an audit, the image built on pull requests and pushed from main with the SHA
 * and `latest`, npm publishing with provenance on a version tag.
 * js-yaml comes with cosmiconfig, a production dependency.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix: { node: string[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[]; tags?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

async function workflow(name: string): Promise<Workflow> {
  return load(await readFile(path.join(ROOT, '.github/workflows', name), 'utf8')) as Workflow;
}
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');

describe('CI workflow', () => {
  test('runs on pull requests and main, on the Node floor from package.json and on 24', async () => {
    const ci = await workflow('ci.yml');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.on.push?.branches).toEqual(['main']);
    const { floor, test: tests } = ci.jobs as { floor: Job; test: Job };
    expect(tests.needs).toBe('floor');
    expect(tests.strategy?.matrix.node).toEqual(['${{ needs.floor.outputs.node }}', '24']);

    // The floor step's own command, run on this checkout, names the version engines.node starts at.
    const command = floor.steps.find((s) => s.id === 'engines')?.run ?? '';
    const script = /node -p "(.*)"\)/.exec(command)?.[1];
    expect(script).toBeDefined();
    const printed = execFileSync(process.execPath, ['-p', script!], { cwd: ROOT, encoding: 'utf8' }).trim();
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(printed).toMatch(/^\d+(\.\d+)*$/);
    // ">=22.22.2" or "^22.22.2 || ^24.15.0 || >=26": the first alternative starts at the oldest version.
    expect(pkg.engines.node).toMatch(new RegExp(`^(>=|\\^)\\s*${printed.replaceAll('.', '\\.')}(\\s|$)`));
  });

  test('runs lint, typecheck and the tests through .ci/run, and audits production dependencies', async () => {
    const ci = await workflow('ci.yml');
    expect(runs(ci.jobs.test!)).toContain('.ci/run');
    const script = await readFile(path.join(ROOT, '.ci/run'), 'utf8');
    for (const step of ['npm ci', 'npm run build', 'npm run lint', 'npm run typecheck', 'npm test']) expect(script).toContain(step);
    expect(runs(ci.jobs.audit!)).toContain('npm audit --omit=dev');
  });
});

test('image workflow builds on pull requests and pushes to ghcr.io from main with the SHA and latest', async () => {
  const image = await workflow('image.yml');
  expect(Object.keys(image.on).sort()).toEqual(['pull_request', 'push']);
  const job = image.jobs.image!;
  expect(job.permissions?.packages).toBe('write');
  const push = job.steps.find((s) => s.with?.push === true);
  expect(push?.if).toContain("github.ref == 'refs/heads/main'");
  const tags = String(push?.with?.tags);
  expect(tags).toContain('${{ steps.name.outputs.image }}');
  expect(job.steps.find((s) => s.id === 'name')?.run).toContain('image=ghcr.io/');
  expect(tags).toMatch(/:\$\{\{ github\.sha \}\}/);
  expect(tags).toMatch(/:latest/);
  // A pull request builds (without pushing) and runs the smoke test.
  const build = job.steps.find((s) => s.name === 'Build');
  expect(build?.if).toBeUndefined();
  expect(build?.with?.load).toBe(true);
});

test('release workflow publishes to npm with provenance on a version tag', async () => {
  const release = await workflow('release.yml');
  expect(release.on).toEqual({ push: { tags: ['v*'] } });
  const job = release.jobs.publish!;
  expect(job.permissions?.['id-token']).toBe('write');
  expect(runs(job)).toContain('.ci/run');
  expect(runs(job)).toMatch(/npm publish --provenance/);
});
