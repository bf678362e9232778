/**
 * A real redis-server (Debian's package) for one suite: on a free port, with
 * its own temporary directory, stopped by pid. `restart()` stops it and starts
 * it again on the same port and directory, so an append-only file carries the
 * data across. Nothing sits between FrameForge and this Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  pid(): number;
  /** SIGTERM (Redis writes its append-only file and exits), then start again with the same data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /**
   * A plain client, for reading what FrameForge stored: commands wait while Redis is
   * restarted or stopped (no retry cap), and its connection errors are not the test's.
   */
  client(): Redis;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string, appendOnly: boolean): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', appendOnly ? 'yes' : 'no', '--appendfsync', 'always'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${out.slice(-500)}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(child.pid!, 'SIGTERM');
  });
}

export async function startRedis(options: { appendOnly?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'ff-redis-'));
  const appendOnly = options.appendOnly ?? false;
  let child = await launch(port, dir, appendOnly);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child.pid!,
    async restart() {
      await stopChild(child);
      child = await launch(port, dir, appendOnly);
    },
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
    client() {
      const client = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null });
      client.on('error', () => {});
      return client;
    },
  };
}

/** A suite's redis-server and a raw client to it, read inside its tests and hooks. */
export interface RedisSuite {
  readonly server: TestRedis;
  readonly raw: Redis;
}

/**
 * Starts a redis-server and a raw client for the calling suite (beforeAll) and
 * stops both after it (afterAll): the hooks every Redis suite would repeat.
 */
export function useRedis(options: { appendOnly?: boolean } = {}): RedisSuite {
  let server: TestRedis | undefined;
  let raw: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis(options);
    raw = server.client();
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useRedis(): read server and raw inside tests or hooks, after beforeAll');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get raw() {
      return started(raw);
    },
  };
}
