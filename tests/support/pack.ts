/**
 * The package as a user gets it: `npm pack` of this checkout (after the build
 * the tests already ran), installed into a clean temporary folder. Shared by the
 * tests that check what ships (the tarball's contents, installing it, the
 * container's runtime recipe).
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, tempDir } from './cli.js';

const run = promisify(execFile);

/** The environment for npm: the user's cache (so installs mostly stay offline), no update notices. */
function npmEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** The paths inside it, relative to the package root (`package/` removed). */
  files: string[];
}

/** Runs `npm pack` of the repository into `dest` (a fresh temp folder when omitted). */
export async function packRepo(dest?: string): Promise<Packed> {
  const out = dest ?? (await tempDir('ff-pack-'));
  await mkdir(out, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out], {
    cwd: ROOT,
    env: npmEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no result: ${stdout}`);
  return { tarball: path.join(out, path.basename(info.filename)), files: info.files.map((f) => f.path) };
}

/**
 * Installs a packed tarball the way the container's runtime stage does
 * (scripts/install-runtime.sh: unpack, repository lock, `npm ci --omit=dev`)
 * into a fresh folder. Resolves to the folder and its `bin/frameforge.js`.
 */
export async function installRuntime(tarball: string): Promise<{ dir: string; bin: string }> {
  const dir = path.join(await tempDir('ff-runtime-'), 'app');
  await run('sh', [path.join(ROOT, 'scripts/install-runtime.sh'), tarball, path.join(ROOT, 'package-lock.json'), dir], {
    env: npmEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  return { dir, bin: path.join(dir, 'bin/frameforge.js') };
}

/** `npm install <tarball>` into a fresh folder, as a user adding FrameForge to a project would. */
export async function installAsDependency(tarball: string): Promise<{ dir: string; bin: string }> {
  const dir = await tempDir('ff-install-');
  await run('npm', ['init', '-y'], { cwd: dir, env: npmEnv() });
  await run('npm', ['install', '--omit=dev', tarball], { cwd: dir, env: npmEnv(), maxBuffer: 16 * 1024 * 1024 });
  return { dir, bin: path.join(dir, 'node_modules/.bin/frameforge') };
}
