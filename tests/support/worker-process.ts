/**
 * `frameforge worker` as a real child process (the built CLI), for what only
 * separate processes show: sharing a queue, being killed with SIGKILL.
 * Ready once it logs "worker ready"; every "job ended" line is kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface WorkerProcess {
  readonly pid: number;
  /** Ids of the jobs this worker ended, in order. */
  readonly ended: string[];
  readonly stderr: () => string;
  /** SIGTERM (finish the jobs in hand), then wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no clean-up of any kind, like a lost machine. */
  kill(): Promise<void>;
}

export async function startWorkerProcess(env: Record<string, string>, args: string[] = []): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'worker', ...args], {
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const ended: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.includes('"worker ready"')) resolve();
        if (line.includes('"job ended"')) ended.push((JSON.parse(line) as { job: string }).job);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${err.slice(-800)}`)));
  });
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, name);
    await exited;
  };
  return { pid: child.pid!, ended, stderr: () => err, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
