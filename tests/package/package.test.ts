/**
 * The package as published: what `npm pack` ships, and that the tarball,
 * installed into a clean folder, runs (--version, providers, a mock edit).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, type CliRun } from '../support/cli.js';
import { installAsDependency, packRepo } from '../support/pack.js';

const run = promisify(execFile);

async function packedFiles(cwd: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd });
  const [{ files }] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return files.map((f) => f.path).sort();
}

describe('npm pack', () => {
  it('ships LICENSE and .env.example, and leaves out edited samples and source maps', async () => {
    // A stand-in tree with what a working copy holds after `npm run build` and a sample edit,
    // packed under the real package.json: the "files" rules decide what goes in.
    const dir = await tempDir('ff-packlist-');
    await copyFile(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    const files: Record<string, string> = {
      LICENSE: 'MIT',
      'README.md': '# readme',
      '.env.example': 'GOOGLE_API_KEY=',
      'bin/frameforge.js': '',
      'dist/cli/run.js': '',
      'dist/cli/run.js.map': '{}',
      'dist/index.d.ts': '',
      'assets/sample-room.jpg': 'jpeg',
      'assets/sample-room.edited.jpg': 'jpeg',
      'assets/sample-room.edited.png': 'png',
      'src/index.ts': '',
      'tests/x.test.ts': '',
    };
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
    expect(await packedFiles(dir)).toEqual(
      ['.env.example', 'LICENSE', 'README.md', 'assets/sample-room.jpg', 'bin/frameforge.js', 'dist/cli/run.js', 'dist/index.d.ts', 'package.json'].sort(),
    );
  });

  it('the repo has the LICENSE the package names', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    expect(await readFile(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 FrameForge contributors/);
  });

  it('installs from the tarball into a clean folder and runs --version, providers and a mock edit', async () => {
    const { tarball, files } = await packRepo();
    expect(files).toEqual(expect.arrayContaining(['LICENSE', '.env.example', 'bin/frameforge.js', 'dist/cli/run.js']));
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.includes('.edited.'))).toEqual([]);
    const installed = await installAsDependency(tarball);
    // The installed bin, found the way a shell finds it (its #! line asks env for node).
    const frameforge = (args: string[], cwd = installed.dir): Promise<CliRun> =>
      new Promise((resolve) => {
        const env = { PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter) };
        execFile(installed.bin, args, { cwd, env, encoding: 'utf8' }, (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
        });
      });

    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const version = await frameforge(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });

    const providers = await frameforge(['providers', '--json']);
    expect(providers.code).toBe(0);
    const list = JSON.parse(providers.stdout) as { providers: { id: string; ready: boolean }[] };
    expect(list.providers).toContainEqual(expect.objectContaining({ id: 'mock', ready: true }));

    const work = await tempDir('ff-installed-edit-');
    await copyFile(path.join(installed.dir, 'node_modules/frameforge/assets/sample-room.jpg'), path.join(work, 'room.jpg'));
    const edit = await frameforge(['edit', 'room.jpg', '--provider', 'mock', '-o', 'room.out.png', '--json'], work);
    expect(edit.stderr).toBe('');
    expect(edit.code).toBe(0);
    expect(JSON.parse(edit.stdout.trim().split('\n')[0]!)).toMatchObject({ event: 'done', input: 'room.jpg', output: 'room.out.png', mock: true });
    const png = await readFile(path.join(work, 'room.out.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  }, 240_000);
});
