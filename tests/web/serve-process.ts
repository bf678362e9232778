/** A real `frameforge serve` in a child process, on a free port, stopped by its pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../../bin/frameforge.js');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

export interface ServeProcessOptions {
  /** The folder serve runs in (a new temporary one by default). */
  cwd?: string;
  /** A file descriptor for serve's stderr (its log), as a service manager would give; piped and kept for stderr() by default. */
  stderrFd?: number;
  /** Node flags before the script (`node <flags> bin/frameforge.js serve`), as an operator would start it. */
  nodeFlags?: string[];
}

export async function startServeProcess(env: Record<string, string>, args: string[] = [], options: ServeProcessOptions = {}): Promise<ServeProcess> {
  const cwd = options.cwd ?? (await mkdtemp(path.join(tmpdir(), 'ff-web-')));
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), BIN, 'serve', '--port', '0', ...args], {
    // Only what is given: no provider key from the developer's environment leaks in.
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    cwd,
    stdio: ['ignore', 'pipe', options.stderrFd ?? 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^(http:\/\/\S+)\n/.exec(out);
      if (line) resolve(line[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${err}`)));
  });
  return {
    url,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
