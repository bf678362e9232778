/**
 * FrameForge as a dependency: another project that installed it imports
 * 'frameforge' (package.json "exports" -> dist), edits with the core, embeds
 * the server, and type-checks against the shipped declarations.
 */
import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLE, tempDir } from '../support/cli.js';

const run = promisify(execFile);

const CONSUMER = `
import { readFile } from 'node:fs/promises';
import { configFrom, editImage, resolveProvider, serve, FrameForgeError } from 'frameforge';

const config = configFrom({ logLevel: 'silent' });
const resolved = await resolveProvider('mock', config);
const image = { data: await readFile(process.argv[2]), name: 'sample-room.jpg' };
const outcome = await editImage(resolved, { image, format: 'png' }, config);
const server = await serve({ config, host: '127.0.0.1', port: 0 });
const health = await (await fetch(server.url + '/api/health')).json();
await server.close();
let refused = '';
try {
  await resolveProvider('fal:../x', config);
} catch (error) {
  if (error instanceof FrameForgeError) refused = error.code;
}
console.log(JSON.stringify({ mock: outcome.mock, mimeType: outcome.mimeType, magic: outcome.data.subarray(0, 8).toString('hex'), bytes: outcome.data.length, health, refused }));
`;

async function consumerProject(): Promise<string> {
  const dir = await tempDir('ff-consumer-');
  await mkdir(path.join(dir, 'node_modules'));
  // What `npm install` of a local path does: a link to the package.
  await symlink(ROOT, path.join(dir, 'node_modules/frameforge'), 'dir');
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  return dir;
}

describe('frameforge as a library', () => {
  it('imports by package name, edits with mock, and embeds the server', async () => {
    const dir = await consumerProject();
    await writeFile(path.join(dir, 'consumer.mjs'), CONSUMER);
    const { stdout } = await run(process.execPath, ['consumer.mjs', SAMPLE], { cwd: dir });
    const printed = JSON.parse(stdout) as { bytes: number };
    expect(printed).toEqual({
      mock: true,
      mimeType: 'image/png',
      magic: '89504e470d0a1a0a',
      bytes: expect.any(Number) as number,
      health: { status: 'ok' },
      refused: 'invalid_provider_id',
    });
    // The sample is a 1600x1067 photo: its PNG is far larger than any header.
    expect(printed.bytes).toBeGreaterThan(100_000);
  });

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    const dir = await consumerProject();
    await writeFile(path.join(dir, 'consumer.ts'), CONSUMER.replace("process.argv[2]", 'process.argv[2]!'));
    // A wrong use must fail, or the check would prove nothing.
    await writeFile(path.join(dir, 'wrong.ts'), "import { serve } from 'frameforge';\nawait serve({ port: 0 });\n");
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), '--skipLibCheck'];
    await run(process.execPath, [tsc, ...args, 'consumer.ts'], { cwd: dir });
    const wrong = await run(process.execPath, [tsc, ...args, 'wrong.ts'], { cwd: dir }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(wrong).toMatch(/wrong\.ts.*'config' is missing/s);
    // Two tsc runs over the shipped declarations: 20-30 s when several agents share the 2 cores.
  }, 120_000);
});
