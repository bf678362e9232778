// Shared by the server benchmarks: starting FrameForge and the bare node:http
// floor as child processes, driving them with undici, and reading their CPU time
// and memory from /proc. (This folder holds no benchmarks: scripts/bench.mjs runs
// only the .mjs files directly in scripts/bench/.)
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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

export function startBare(env = {}) {
  return startProcess(['-e', BARE_SERVER], env);
}

export function startFrameForge(env = {}) {
  return startProcess([BIN, 'serve', '--port', '0'], { ...FF_ENV, ...env });
}

export async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
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
