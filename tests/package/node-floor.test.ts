/**
 * The Node floor: package.json's engines allows exactly the Node versions the
 * installed dependencies allow (by their own engines), bin/frameforge.js turns
 * older Nodes away with one line (checked on real Node 18 and 20 from the npm
 * registry), and the floor itself runs a mock edit and a Gemini edit.
 */
import { execFile } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import { BIN, ROOT, SAMPLE, tempDir, type CliRun } from '../support/cli.js';
import { nodeBinary } from '../support/node-versions.js';

const exec = promisify(execFile);
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
/** The first version engines names is the oldest it allows. */
const FLOOR = /\d+\.\d+\.\d+/.exec(pkg.engines.node)![0];

function runWith(node: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(node, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('engines', () => {
  for (const dev of [false, true]) {
    it(`allows exactly the Node versions the ${dev ? 'development and production' : 'production'} dependencies allow`, async () => {
      const { stdout } = await exec(process.execPath, [path.join(ROOT, 'scripts/node-floor.mjs'), ...(dev ? ['--dev'] : [])], { cwd: ROOT });
      const report = JSON.parse(stdout) as { floor: string; floors: Record<string, string | null>; enginesFloors: Record<string, string | null> };
      expect(report.enginesFloors).toEqual(report.floors);
      expect(report.floor).toBe(FLOOR);
    });
  }

  it('the check in bin/ names the next version that is allowed', async () => {
    const { nodeNeeded } = (await import(pathToFileURL(path.join(ROOT, 'bin/node-check.js')).href)) as {
      nodeNeeded(engines: string, current: string): string | undefined;
    };
    const engines = '^22.22.2 || ^24.15.0 || >=26';
    const cases: [string, string | undefined][] = [
      ['18.20.8', '22.22.2'],
      ['20.20.2', '22.22.2'],
      ['22.12.0', '22.22.2'],
      ['22.22.2', undefined],
      ['22.23.1', undefined],
      ['23.11.0', '24.15.0'],
      ['24.3.0', '24.15.0'],
      ['24.15.0', undefined],
      ['25.2.1', '26.0.0'],
      ['26.0.0', undefined],
      ['31.4.0', undefined],
    ];
    expect(cases.map(([current]) => [current, nodeNeeded(engines, current)])).toEqual(cases);
    // The real engines uses only forms the check knows: Node 0.1 is refused, not waved through.
    expect(nodeNeeded(pkg.engines.node, '0.1.0')).toBe(FLOOR);
  });
});

describe.each(['18', '20'])('on Node %s', (version) => {
  it('bin/frameforge.js exits 2 with one line naming the floor', async (ctx) => {
    const found = await nodeBinary(version);
    if ('skip' in found) {
      console.log(`skipped: ${found.skip}`);
      ctx.skip();
      return;
    }
    const { stdout: actual } = await exec(found.node, ['--version']);
    const dir = await tempDir('ff-old-node-');
    for (const args of [['--version'], ['edit', SAMPLE, '--provider', 'mock', '-o', 'out.png'], ['serve']]) {
      const run = await runWith(found.node, args, dir);
      expect(run).toEqual({ code: 2, stdout: '', stderr: `FrameForge needs Node.js ${FLOOR} or newer; this is Node ${actual.trim().slice(1)}.\n` });
    }
    // `npm run bench` says the same before any benchmark starts (it crashed inside undici on Node 20).
    const bench = await new Promise<CliRun>((resolve) => {
      execFile(found.node, [path.join(ROOT, 'scripts/bench.mjs'), 'startup'], { cwd: dir, encoding: 'utf8' }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
    expect(bench).toEqual({ code: 2, stdout: '', stderr: `FrameForge needs Node.js ${FLOOR} or newer; this is Node ${actual.trim().slice(1)}.\n` });
  }, 300_000);
});

describe(`on the floor, Node ${FLOOR}`, () => {
  let gemini: GeminiServer;
  beforeAll(async () => {
    gemini = await startGeminiServer({ apiKey: 'floor-key' });
  });
  afterAll(() => gemini.close());

  it('runs --version, providers, a mock edit and a Gemini edit against the fake', async (ctx) => {
    const found = await nodeBinary(FLOOR);
    if ('skip' in found) {
      console.log(`skipped: ${found.skip}`);
      ctx.skip();
      return;
    }
    expect((await exec(found.node, ['--version'])).stdout.trim()).toBe(`v${FLOOR}`);
    const dir = await tempDir('ff-floor-');
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    expect((await runWith(found.node, ['--version'], dir)).code).toBe(0);
    const providers = await runWith(found.node, ['providers', '--json'], dir);
    expect(providers.code).toBe(0);
    expect(JSON.parse(providers.stdout)).toHaveProperty('providers');

    const mock = await runWith(found.node, ['edit', 'room.jpg', '--provider', 'mock', '-o', 'mock.png'], dir);
    expect(mock).toMatchObject({ code: 0, stdout: 'mock.png\n' });
    const google = await runWith(found.node, ['edit', 'room.jpg', '--provider', 'google', '-o', 'google.png'], dir, {
      GOOGLE_API_KEY: 'floor-key',
      GOOGLE_GEMINI_BASE_URL: gemini.url,
    });
    expect(google.stderr).toContain('edited room.jpg');
    expect(google).toMatchObject({ code: 0, stdout: 'google.png\n' });
    expect(gemini.callsTo('generate')).toHaveLength(1);
  }, 300_000);
});
