/**
 * `frameforge edit <folder> --queue <redis>`: the batch runs on real
 * `frameforge worker` processes through a real redis-server, and the results
 * land here exactly as a local batch would write them.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTree, jsonLines, listFiles, makeListingTree } from '../batch/tree.js';
import { startServer } from '../server/helpers.js';
import { BIN, runCli, tempDir } from '../support/cli.js';
import { makeJpeg } from '../support/images.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { poll, submit, waitFor } from './job-client.js';

const workerEnv = (redis: TestRedis, extra: Record<string, string> = {}) => ({ REDIS_URL: redis.url, ...extra });

/** A manifest's lines without what differs from run to run (its id, timings), by input. */
async function manifestOf(file: string): Promise<Record<string, unknown>[]> {
  return jsonLines(await readFile(file, 'utf8'))
    .map(({ run: _r, durationMs: _d, finishedAt: _f, requestId: _q, ...rest }) => rest)
    .sort((a, b) => String(a.input).localeCompare(String(b.input)));
}

interface JobRecordView {
  id: string;
  status: string;
  attempts: number;
  started_at: string | null;
}

async function records(raw: Redis): Promise<JobRecordView[]> {
  const keys = (await raw.keys('frameforge:job:*')).filter((k) => k.split(':').length === 3);
  return Promise.all(keys.map(async (k) => JSON.parse((await raw.get(k))!) as JobRecordView));
}

describe('edit --queue with workers in other processes', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    workers.push(await startWorkerProcess(workerEnv(redis), ['--concurrency', '2']));
    workers.push(await startWorkerProcess(workerEnv(redis), ['--concurrency', '2']));
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await redis?.stop();
  });
  const ran = () => workers.reduce((n, w) => n + w.ended.length, 0);

  it('writes the same files and manifest as a local batch, a failing item failing alone; a rerun resumes', async () => {
    const dir = await tempDir();
    const tree = await makeListingTree(path.join(dir, 'in'));
    const before = await hashTree(tree.root);
    // Every option that shapes the result travels with the job: format, label, before/after.
    const shape = ['--format', 'png', '--label', 'Virtually staged', '--compare'];
    const local = await runCli(['edit', 'in', '-r', '-o', 'local', '--provider', 'mock', '--json', ...shape], { cwd: dir });
    const queued = await runCli(['edit', 'in', '-r', '-o', 'queued', '--provider', 'mock', '--json', ...shape, '--queue', redis.url], { cwd: dir });
    // The truncated JPEG fails its item (exit 1) and only it.
    expect(local.code).toBe(1);
    expect(queued.code, queued.stderr).toBe(1);
    expect(jsonLines(queued.stdout).at(-1)).toMatchObject({ event: 'summary', total: 30, done: 29, failed: 1 });

    const [localFiles, queuedFiles] = [await hashTree(path.join(dir, 'local')), await hashTree(path.join(dir, 'queued'))];
    delete localFiles['frameforge-manifest.jsonl'];
    delete queuedFiles['frameforge-manifest.jsonl'];
    expect(Object.keys(queuedFiles).filter((f) => f.endsWith('.edited.png'))).toHaveLength(29);
    expect(Object.keys(queuedFiles).filter((f) => f.endsWith('.compare.jpg'))).toHaveLength(29);
    expect(queuedFiles).toEqual(localFiles);
    const queuedManifest = await manifestOf(path.join(dir, 'queued', 'frameforge-manifest.jsonl'));
    expect(queuedManifest.map((l) => ({ ...l, output: String(l.output).replace(/^queued/, 'local') }))).toEqual(
      (await manifestOf(path.join(dir, 'local', 'frameforge-manifest.jsonl'))).map((l) => ({ ...l, output: String(l.output) })),
    );
    expect(queuedManifest.find((l) => l.input === path.join('in', tree.corrupt))).toMatchObject({ status: 'failed', error: { code: 'corrupt_image' } });
    // The workers did the edits: one job per image, the broken one included.
    await poll(async () => (ran() >= 30 ? true : undefined));
    expect(ran()).toBe(30);
    for (const worker of workers) expect(worker.ended.length, 'each worker took some').toBeGreaterThan(0);

    const rerun = await runCli(['edit', 'in', '-r', '-o', 'queued', '--provider', 'mock', '--json', ...shape, '--queue', redis.url], { cwd: dir });
    expect(rerun.code).toBe(1);
    const events = jsonLines(rerun.stdout);
    expect(events.filter((e) => e.event === 'skipped' && e.reason === 'output exists')).toHaveLength(29);
    expect(events.filter((e) => e.event === 'failed')).toHaveLength(1);
    // Only the item without a result was queued again.
    await poll(async () => (ran() >= 31 ? true : undefined));
    expect(ran()).toBe(31);
    expect(await hashTree(tree.root)).toEqual(before);
  });

  it('fails with a setup error naming --queue when its Redis cannot be reached, and queues nothing', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'in'));
    await writeFile(path.join(dir, 'in', 'a.jpg'), await makeJpeg());
    const spare = await startRedis();
    const url = spare.url;
    await spare.stop();
    const res = await runCli(['edit', 'in', '-o', 'out', '--provider', 'mock', '--queue', `redis://:s3cret-pass@127.0.0.1:${new URL(url).port}`], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--queue');
    expect(res.stderr).toContain(`127.0.0.1:${new URL(url).port}`);
    expect(res.stderr).not.toContain('s3cret-pass');
    expect(await listFiles(dir)).toEqual([path.join('in', 'a.jpg')]);

    const bad = await runCli(['edit', 'in', '-o', 'out', '--provider', 'mock', '--queue', 'http://127.0.0.1:6379'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--queue must be a redis://');
    const none = await runCli(['edit', 'in', '-o', 'out', '--provider', 'mock', '--queue'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--queue needs the Redis URL.*REDIS_URL/);
  });
});

describe('Ctrl-C during a --queue batch', { timeout: 120_000 }, () => {
  it('cancels every job it queued, none runs afterwards, and it exits like a local batch (130)', async () => {
    const redis = await startRedis();
    const raw = redis.client();
    const queue = new Queue('edits', { connection: { url: redis.url }, prefix: 'frameforge' });
    let slow: WorkerProcess | undefined;
    let fast: WorkerProcess | undefined;
    const dir = await tempDir();
    try {
      // One worker, one job at a time, each edit taking ten minutes: one job runs, four wait.
      slow = await startWorkerProcess(workerEnv(redis, { MOCK_DELAY_MS: '600000' }), ['--concurrency', '1']);
      await mkdir(path.join(dir, 'in'));
      for (let i = 0; i < 5; i++) await writeFile(path.join(dir, 'in', `room-${i}.jpg`), await makeJpeg({ width: 40 + i, height: 30 }));
      const child = spawn(process.execPath, [BIN, 'edit', 'in', '-o', 'out', '--provider', 'mock', '--json', '--queue', redis.url], {
        cwd: dir,
        env: { PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await poll(async () => {
        const all = await records(raw);
        return all.length === 5 && all.some((r) => r.status === 'running') ? true : undefined;
      });
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(130);

      const all = await records(raw);
      expect(all.map((r) => r.status)).toEqual(Array(5).fill('cancelled'));
      const ranOnce = all.filter((r) => r.attempts > 0);
      expect(ranOnce).toHaveLength(1);
      expect(all.filter((r) => r.attempts === 0 && r.started_at === null)).toHaveLength(4);
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
      // The running one was aborted on its worker, which says so.
      await poll(async () => (slow!.ended.length > 0 ? true : undefined));
      expect(slow.ended).toEqual([ranOnce[0]!.id]);

      const events = jsonLines(stdout);
      expect(events.filter((e) => e.event === 'cancelled')).toHaveLength(5);
      expect(events.at(-1)).toMatchObject({ event: 'summary', interrupted: true, done: 0 });
      const manifest = jsonLines(await readFile(path.join(dir, 'out', 'frameforge-manifest.jsonl'), 'utf8'));
      expect(manifest.map((l) => l.status)).toEqual(Array(5).fill('cancelled'));
      expect(await listFiles(path.join(dir, 'out'))).toEqual(['frameforge-manifest.jsonl']);

      // None of them runs later: a new worker takes a job queued after them (FIFO) and nothing else.
      await slow.stop();
      fast = await startWorkerProcess(workerEnv(redis));
      const server = await startServer({ logLevel: 'warn', redisUrl: redis.url }, { noWorker: true });
      try {
        const sentinel = await submit(server.url);
        expect((await waitFor(server.url, sentinel.id, ['succeeded', 'failed'])).status).toBe('succeeded');
        const fastEnded = fast.ended;
        await poll(async () => (fastEnded.length > 0 ? true : undefined));
        expect(fastEnded).toEqual([sentinel.id]);
      } finally {
        await server.close();
      }
    } finally {
      await queue.close();
      raw.disconnect();
      await fast?.stop();
      await slow?.stop();
      await redis.stop();
    }
  });
});
