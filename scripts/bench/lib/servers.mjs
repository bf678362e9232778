// Shared by the server benchmarks: starting FrameForge and the bare node:http
// floor as child processes, driving them with undici, and reading their CPU time
// and memory from /proc. (This folder holds no benchmarks: scripts/bench.mjs runs
// only the .mjs files directly in scripts/bench/.)
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const BIN = new URL('../../../bin/frameforge.js', import.meta.url).pathname;

/**
 * The floor: node:http with nothing on top. /api/health and /api/providers answer
 * fixed JSON (the providers body is FrameForge's own, passed in BARE_PROVIDERS);
 * /api/edit parses the multipart upload with busboy (FrameForge's parser) and
 * echoes the first file. Run with the repository as cwd, so busboy resolves.
 */
export const BARE_SERVER = `
  const http = require('node:http');
  const busboy = require('busboy');
  const health = Buffer.from(JSON.stringify({ status: 'ok' }));
  const providers = Buffer.from(process.env.BARE_PROVIDERS || '[]');
  const json = (res, body) => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    if (req.url === '/api/health') return json(res, health);
    if (req.url === '/api/providers') return json(res, providers);
    if (req.url === '/api/edit' && req.method === 'POST') {
      const bb = busboy({ headers: req.headers });
      let file;
      bb.on('file', (name, stream, info) => {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', () => { file ??= { bytes: Buffer.concat(chunks), type: info.mimeType }; });
      });
      bb.on('close', () => {
        if (!file) { res.writeHead(400).end(); return; }
        res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.bytes.length });
        res.end(file.bytes);
      });
      req.pipe(bb);
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** FrameForge's settings for benchmarks: JSON access log on, CORS on, rate limiter on with limits never reached. */
export const FF_ENV = {
  LOG_FORMAT: 'json',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  ALLOWED_ORIGINS: 'http://localhost:5173',
  // High limits, not 0: the limiter still runs on every request.
  RATE_LIMIT_REQUESTS_PER_HOUR: '10000000',
  RATE_LIMIT_EDITS_PER_HOUR: '1000000',
};

/** Starts `node <args>`; `url` resolves to the first line it prints (the address it listens on). */
export function startProcess(args, env = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, url, started };
}

/**
 * BENCH_SERVE_NODE_OPTIONS / BENCH_BARE_NODE_OPTIONS: NODE_OPTIONS for the
 * FrameForge or the bare server (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`,
 * to profile one side of the paired rows).
 */
function nodeOptions(variable) {
  return process.env[variable] ? { NODE_OPTIONS: process.env[variable] } : {};
}

/**
 * The bare server; with BENCH_BASELINE_BIN (another checkout's bin/frameforge.js,
 * built), that FrameForge instead: the paired rows then compare two builds
 * (A/B of a change: its "bare" figures are the other build's).
 */
export function startBare(env = {}) {
  if (process.env.BENCH_BASELINE_BIN) {
    return startProcess([process.env.BENCH_BASELINE_BIN, 'serve', '--port', '0'], { ...FF_ENV, ...nodeOptions('BENCH_BARE_NODE_OPTIONS'), ...env });
  }
  return startProcess(['-e', BARE_SERVER], { ...nodeOptions('BENCH_BARE_NODE_OPTIONS'), ...env });
}

export function startFrameForge(env = {}) {
  return startProcess([BIN, 'serve', '--port', '0'], { ...FF_ENV, ...nodeOptions('BENCH_SERVE_NODE_OPTIONS'), ...env });
}

export async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The CPUs this process may run on (Cpus_allowed_list in /proc/self/status, e.g. "0-1,4"). */
export function allowedCpus() {
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  return list.split(',').filter(Boolean).flatMap((part) => {
    const [from, to = from] = part.split('-').map(Number);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/**
 * Where the paired CPU comparisons run: the server under test (the bare server
 * and FrameForge alike, in turn) on one CPU of its own, the load generator (this
 * process) on the others. Unpinned on two cores, the client and both servers
 * compete for the same CPUs, and how much a server reads per wakeup (and so its
 * CPU per request) moved with the scheduler from round to round. Needs
 * `taskset` (util-linux) and two CPUs; otherwise `pinned` is false and `why`
 * says why. BENCH_PIN=0 turns it off.
 */
export function cpuPinning() {
  const cpus = allowedCpus();
  const off = (why) => ({ pinned: false, why, all: cpus.join(',') });
  if (process.env.BENCH_PIN === '0') return off('BENCH_PIN=0');
  if (cpus.length < 2) return off(`only CPU ${cpus.join(',')} is available`);
  if (spawnSync('taskset', ['--version']).status !== 0) return off('taskset (util-linux) is not installed');
  return { pinned: true, server: String(cpus.at(-1)), client: cpus.slice(0, -1).join(','), all: cpus.join(',') };
}

/** Sets the CPUs every thread of `pid` may run on (threads it starts later inherit them). */
export function setAffinity(pid, cpuList) {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -a -p -c ${cpuList} ${pid} failed: ${r.stderr || r.error}`);
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * A reading of a process's CPU time, finer than cpuMs: each thread's time on a
 * CPU in ns (/proc/<pid>/task/<tid>/schedstat), and cpuMs's total (in 10 ms
 * ticks, but counting threads that have exited). For cpuMsSince.
 */
export function cpuSnapshot(pid) {
  const threads = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread exited between the listing and the read: cpuMsSince notices.
    }
  }
  return { ms: cpuMs(pid), threads };
}

/**
 * CPU ms the process used since `before` (a cpuSnapshot): the threads' own ns
 * counters when they account for all of it, else the 10 ms ticks. A thread
 * that exited in between took its counter with it (libvips's workers come and
 * go); the ticks still count it, so when the two disagree by more than the
 * ticks' rounding, the ticks are the answer. A short round is then measured
 * to the microsecond, never less than the process really used.
 */
export function cpuMsSince(pid, before) {
  const after = cpuSnapshot(pid);
  const ticks = after.ms - before.ms;
  let ns = 0;
  for (const [tid, t] of after.threads) ns += t - (before.threads.get(tid) ?? 0);
  const fine = ns / 1e6;
  // Each tick reading is truncated to 10 ms, so the two may differ by up to 10 ms (plus the moments between the reads).
  return Math.abs(fine - ticks) <= 15 ? fine : ticks;
}

/**
 * The read and write system calls a process has made so far (/proc/<pid>/io:
 * syscr, syscw), and its minor page faults. Read calls per request show how many pieces a server got an
 * upload in: each is a 'data' event through busboy and the server's own code,
 * so per-chunk costs scale with it, and it follows the timing of client and
 * server rather than the code.
 */
export function ioCalls(pid) {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // minflt (proc(5), field 10): pages the process touched for the first time (new heap, fresh buffers), each a trip into the kernel.
  return { reads: Number(/syscr:\s+(\d+)/.exec(io)[1]), writes: Number(/syscw:\s+(\d+)/.exec(io)[1]), faults: Number(stat[7]) };
}

function statusKb(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)[1]);
}

/** The most memory the process has held resident (since start, or since resetPeakRss). */
export function peakRssMb(pid) {
  return statusKb(pid, 'VmHWM') / 1024;
}

export function rssMb(pid) {
  return statusKb(pid, 'VmRSS') / 1024;
}

/** Starts a new peak-RSS reading: Linux resets VmHWM to the current RSS on "5" (proc(5), clear_refs). */
export function resetPeakRss(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export const median = (values) => percentile(values, 50);

/**
 * Drives `pool` with `concurrency` workers, each sending `options` back to back,
 * until `total` requests were sent or `ms` milliseconds passed (whichever is
 * given). Resolves to the latencies (ms) of the 200s, the count per status
 * (connection errors as `error <code>`) and the wall time.
 */
export async function drive(pool, { total = Infinity, ms = Infinity, concurrency, options }) {
  let sent = 0;
  const latencies = [];
  const statuses = {};
  const started = performance.now();
  const deadline = started + ms;
  async function worker() {
    while (sent < total && performance.now() < deadline) {
      sent++;
      const t = performance.now();
      try {
        const res = await pool.request(options);
        await res.body.arrayBuffer();
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200) latencies.push(performance.now() - t);
      } catch (error) {
        // A connection the server closed or reset: counted, not fatal, so a
        // run on a starved machine still reports what it measured.
        const key = `error ${error.code ?? error.name}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, statuses, count: sent, seconds: (performance.now() - started) / 1000 };
}

/**
 * A noisy, upright, metadata-free JPEG of about `bytes` (noise makes it compress
 * like a photo), 4:3 and at most 4096 px on its long edge: within every provider's
 * size (mock's is 4096), so the edit core passes it through without re-encoding
 * and a benchmark measures the upload path, not a resize.
 */
export async function noisyJpeg(bytes) {
  // Bytes a pixel for this noise, measured: 0.69 at quality 91, 0.92 at quality 96.
  let quality = 91;
  let width = Math.round(Math.sqrt(((bytes / 0.69) * 4) / 3));
  if (width > 4096) {
    quality = 96;
    width = Math.min(4096, Math.round(Math.sqrt(((bytes / 0.92) * 4) / 3)));
  }
  const height = Math.round((width * 3) / 4);
  const image = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality })
    .toBuffer();
  return { image, width, height };
}

/** The request for POST /api/edit with `image` in `images` and provider=mock, as a browser form would send it. */
export function editRequest(image) {
  const boundary = 'frameforge-bench-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="provider"\r\n\r\nmock\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="room.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    image,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return {
    method: 'POST',
    path: '/api/edit',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) },
    body,
  };
}
