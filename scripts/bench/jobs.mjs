// The jobs path (issue 12): two figures, each printed with its target.
//
// 1. Scaling: 40 jobs with a mock that takes 300 ms (MOCK_DELAY_MS), run by
//    `frameforge worker` processes (`--concurrency 1` each) on a real
//    redis-server, fed by `frameforge serve --no-worker`: the time from the
//    first submit to the last job ended, with 1 worker and then with 2.
//    Target: 2 workers at least 1.8x faster than 1.
// 2. Overhead: the job path against one POST /api/edit, for a 1 MB mock edit
//    (no delay) on an embedded `frameforge serve`: submit (POST /api/jobs),
//    wait for the end with the long poll (GET /api/jobs/{id}?wait=20, which
//    answers when the job ends, so no poll interval is measured), fetch the
//    result; p50 of each, one request at a time. Target: at most 15 ms more at
//    p50, there and with Redis and serve's own worker (which is handed the input
//    and gives back the result in memory, src/jobs/handoff.ts). For comparison,
//    without a verdict: serve --no-worker with one `frameforge worker` process
//    (every byte through Redis and a second process). For Redis,
//    where the job path's time goes, p50 of each step: the client's submit (202
//    back), queued until a worker started it (record's created_at to started_at),
//    running (started_at to finished_at: the input read and the edit), the end
//    reaching the client (finished_at to the long poll's answer: the result
//    stored, the record written and published), and the result fetched.
//
// Run alone: node scripts/bench.mjs jobs (needs redis-server on PATH).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { BIN, FF_ENV, ROOT, editRequest, median, noisyJpeg, startFrameForge, startProcess, stop } from './lib/servers.mjs';

const JOBS = Number(process.env.BENCH_JOBS ?? 40);
const DELAY_MS = process.env.BENCH_JOBS_DELAY_MS ?? '300';
const ROUNDS = Number(process.env.BENCH_JOBS_ROUNDS ?? 40);
const SPEEDUP_TARGET = 1.8;
const OVERHEAD_TARGET_MS = 15;
const verdict = (ok) => (ok ? 'OK' : 'UNDER TARGET');

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
    child.on('error', reject);
  });
  child.stdout.resume();
  return { url: `redis://127.0.0.1:${port}`, child, dir };
}

/** `frameforge worker --concurrency 1`, ready once it logs so. */
function startWorker(env) {
  const child = spawn(process.execPath, [BIN, 'worker', '--concurrency', '1'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes('"worker ready"')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${err.slice(-400)}`)));
  });
}

function jobRequest(image) {
  return { ...editRequest(image), path: '/api/jobs' };
}

async function json(pool, options) {
  const res = await pool.request(options);
  const body = await res.body.json();
  if (res.statusCode >= 300) throw new Error(`${options.method ?? 'GET'} ${options.path}: ${res.statusCode} ${JSON.stringify(body)}`);
  return body;
}

/** Long-polls until the job has ended; returns its record. */
async function ended(pool, id) {
  for (;;) {
    const record = await json(pool, { method: 'GET', path: `/api/jobs/${id}?wait=20` });
    if (!['queued', 'running'].includes(record.status)) return record;
  }
}

/**
 * One job end to end: submit, wait, fetch the result bytes. With `steps`, adds
 * each step's ms (see the top); clock readings are Date.now() on both sides
 * (one machine), so they compare with the record's timestamps.
 */
async function runJob(pool, image, steps) {
  const sent = Date.now();
  const { id } = await json(pool, jobRequest(image));
  const accepted = Date.now();
  const record = await ended(pool, id);
  const answered = Date.now();
  if (record.status !== 'succeeded') throw new Error(`job ${id} ${record.status}: ${JSON.stringify(record.error)}`);
  const res = await pool.request({ method: 'GET', path: `/api/jobs/${id}/result` });
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`result ${res.statusCode}`);
  if (!steps) return;
  const [created, startedAt, finishedAt] = [record.created_at, record.started_at, record.finished_at].map((t) => Date.parse(t));
  steps.submit.push(accepted - sent);
  steps.queued.push(startedAt - created);
  steps.running.push(finishedAt - startedAt);
  steps.end.push(answered - finishedAt);
  steps.result.push(Date.now() - answered);
}

const STEPS = ['submit', 'queued', 'running', 'end', 'result'];

// --- 1. Scaling with workers ---------------------------------------------------------------
const redis = await startRedis();
const small = (await noisyJpeg(60_000)).image;
// serve --no-worker: it only takes requests; the workers below run every job.
const server = startProcess([BIN, 'serve', '--port', '0', '--no-worker'], { ...FF_ENV, REDIS_URL: redis.url, LOG_LEVEL: 'warn' });
const serverUrl = await server.url;
const pool = new Pool(serverUrl, { connections: 64 });

async function batchSeconds(workers) {
  const children = await Promise.all(Array.from({ length: workers }, () => startWorker({ REDIS_URL: redis.url, MOCK_DELAY_MS: DELAY_MS })));
  try {
    // One warm-up job per worker, so process start-up (module loading) is not measured.
    await Promise.all(children.map(() => runJob(pool, small)));
    const started = performance.now();
    await Promise.all(Array.from({ length: JOBS }, () => runJob(pool, small)));
    return (performance.now() - started) / 1000;
  } finally {
    await Promise.all(children.map((c) => stop(c)));
  }
}

const one = await batchSeconds(1);
const two = await batchSeconds(2);
const speedup = one / two;
console.log(`${JOBS} jobs, mock ${DELAY_MS} ms, workers at --concurrency 1 on redis-server:`);
console.log(`  1 worker  ${one.toFixed(2)} s   (floor ${((JOBS * Number(DELAY_MS)) / 1000).toFixed(1)} s)`);
console.log(`  2 workers ${two.toFixed(2)} s`);
console.log(`  speedup ${speedup.toFixed(2)}x (target >= ${SPEEDUP_TARGET}x) ${verdict(speedup >= SPEEDUP_TARGET)}`);
await pool.close();
await stop(server.child);

// --- 2. The job path's overhead over /api/edit ---------------------------------------------
const { image } = await noisyJpeg(1024 * 1024);

/** `frameforge serve` with `env`, and (with `worker`) one `frameforge worker` process beside it. */
async function overhead(label, env, { worker = false, breakdown = false, target = true } = {}) {
  const ff = worker ? startProcess([BIN, 'serve', '--port', '0', '--no-worker'], { ...FF_ENV, LOG_LEVEL: 'warn', ...env }) : startFrameForge({ LOG_LEVEL: 'warn', ...env });
  const url = await ff.url;
  const p = new Pool(url, { connections: 4 });
  const side = worker ? await startWorker({ REDIS_URL: env.REDIS_URL }) : undefined;
  try {
    const edit = async () => {
      const res = await p.request(editRequest(image));
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`edit ${res.statusCode}`);
    };
    const timed = async (fn) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    // Warm-up, then alternate the two so drift on a shared machine hits both alike.
    for (let i = 0; i < 5; i++) {
      await edit();
      await runJob(p, image);
    }
    const edits = [];
    const jobs = [];
    const steps = Object.fromEntries(STEPS.map((step) => [step, []]));
    for (let i = 0; i < ROUNDS; i++) {
      edits.push(await timed(edit));
      jobs.push(await timed(() => runJob(p, image, steps)));
    }
    const [e, j] = [median(edits), median(jobs)];
    const extra = j - e;
    console.log(`  ${label}: /api/edit p50 ${e.toFixed(1)} ms, job path p50 ${j.toFixed(1)} ms: overhead ${extra.toFixed(1)} ms ${target ? `(target <= ${OVERHEAD_TARGET_MS} ms) ${verdict(extra <= OVERHEAD_TARGET_MS)}` : '(for comparison)'}`);
    if (breakdown) console.log(`    job path steps, p50 ms: ${STEPS.map((step) => `${step} ${median(steps[step]).toFixed(1)}`).join(', ')}`);
  } finally {
    await p.close();
    if (side) await stop(side);
    await stop(ff.child);
  }
}

console.log(`1 MB mock edit, ${ROUNDS} rounds one at a time: submit + long poll (?wait=20) + result vs one POST /api/edit:`);
await overhead('embedded', {});
await overhead('Redis (serve with its own worker)', { REDIS_URL: redis.url }, { breakdown: true });
// For comparison, not the target: the server's job path is the two rows above (one
// server, with or without Redis). Here every job's input and result also cross
// Redis to a second process and back (4 MB over loopback a job), which is what
// scaling out costs; docs/performance.md has where its time goes.
await overhead('Redis (serve --no-worker, one worker process)', { REDIS_URL: redis.url }, { worker: true, breakdown: true, target: false });

await stop(redis.child);
rmSync(redis.dir, { recursive: true, force: true });
