// `frameforge serve` under load, against itself and a bare node:http server.
//  1. GET /api/health with every middleware on (request id, access log,
//     CORS, rate limit, deadlines) vs a bare node:http server answering the
//     same JSON, interleaved in one run. Target: at least 0.8x the bare one.
//  2. POST /api/edit with the mock provider and a ~2 MB JPEG at 16 concurrent
//     clients: p50/p99 latency and the server's peak RSS.
// Both servers run as child processes on 127.0.0.1; every loop is bounded.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import sharp from 'sharp';

const bin = new URL('../../bin/frameforge.js', import.meta.url).pathname;
const HEALTH_REQUESTS = Number(process.env.BENCH_HEALTH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const EDITS = Number(process.env.BENCH_EDITS ?? 320);
const CONNECTIONS = 32;
const EDIT_CLIENTS = 16;

const BARE = `
  const http = require('node:http');
  const body = Buffer.from(JSON.stringify({ status: 'ok' }));
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, {
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
  return { child, url };
}

async function stop(child) {
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** `total` requests over `concurrency` workers; resolves to per-request latencies (ms) and wall time. */
async function load(pool, total, concurrency, options) {
  let next = 0;
  const latencies = [];
  const started = performance.now();
  async function worker() {
    while (next < total) {
      next++;
      const t = performance.now();
      const res = await pool.request(options);
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`${options.method} ${options.path}: ${res.statusCode}`);
      latencies.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

const ffEnv = {
  LOG_FORMAT: 'json',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  ALLOWED_ORIGINS: 'http://localhost:5173',
  // High limits, not 0: the limiter still runs on every request.
  RATE_LIMIT_REQUESTS_PER_HOUR: '10000000',
  RATE_LIMIT_EDITS_PER_HOUR: '1000000',
};

// 1. Health throughput, interleaved rounds.
const bare = startProcess(['-e', BARE]);
const ff = startProcess([bin, 'serve', '--port', '0'], ffEnv);
const [bareUrl, ffUrl] = await Promise.all([bare.url, ff.url]);
const barePool = new Pool(bareUrl, { connections: CONNECTIONS, pipelining: 1 });
const ffPool = new Pool(ffUrl, { connections: CONNECTIONS, pipelining: 1 });
const health = { method: 'GET', path: '/api/health', headers: { origin: 'http://localhost:5173', 'accept-encoding': 'gzip, br' } };
await load(barePool, 5000, CONNECTIONS, health); // warm-up (JIT, sockets)
await load(ffPool, 5000, CONNECTIONS, health);
const rates = { bare: [], ff: [] };
// Server CPU per request is steadier than throughput on a shared machine: it
// does not depend on how much CPU the load generator got in that moment.
const cpu = { bare: 0, ff: 0 };
async function measureHealth(name, child, pool, record) {
  const c = cpuMs(child.pid);
  const { seconds } = await load(pool, HEALTH_REQUESTS, CONNECTIONS, health);
  if (!record) return;
  cpu[name] += cpuMs(child.pid) - c;
  rates[name].push(HEALTH_REQUESTS / seconds);
}
// Rounds alternate which server goes first, and the ratio is the median of each
// round's pair: the machine's load drifts, and a pair shares its moment. Round
// -1 is not counted: whichever server waited through the other's warm-up
// starts with cold connections.
for (let round = -1; round < ROUNDS; round++) {
  const record = round >= 0;
  if (round % 2 === 0) {
    await measureHealth('bare', bare.child, barePool, record);
    await measureHealth('ff', ff.child, ffPool, record);
  } else {
    await measureHealth('ff', ff.child, ffPool, record);
    await measureHealth('bare', bare.child, barePool, record);
  }
}
const median = (v) => percentile(v, 50);
const pairs = rates.ff.map((r, i) => r / rates.bare[i]);
const ratio = median(pairs);
console.log(`GET /api/health, ${CONNECTIONS} connections, ${ROUNDS} x ${HEALTH_REQUESTS} requests each, interleaved:`);
console.log(`  bare node:http:   median ${median(rates.bare).toFixed(0)} req/s  (${rates.bare.map((r) => r.toFixed(0)).join(', ')})`);
console.log(`  frameforge serve: median ${median(rates.ff).toFixed(0)} req/s  (${rates.ff.map((r) => r.toFixed(0)).join(', ')})`);
console.log(`  ratio serve / bare: ${ratio.toFixed(2)}x (target >= 0.8x) ${ratio >= 0.8 ? 'OK' : 'UNDER TARGET'}; the median of the rounds' ${pairs.map((r) => r.toFixed(2)).join(', ')}`);
const usPerRequest = (ms) => ((ms * 1000) / (ROUNDS * HEALTH_REQUESTS)).toFixed(1);
console.log(`  server CPU per request: bare ${usPerRequest(cpu.bare)} us, frameforge ${usPerRequest(cpu.ff)} us`);
await barePool.close();
await stop(bare.child);

// 2. Edits with the mock provider and a ~2 MB JPEG.
const { width, height } = { width: 2000, height: 1500 };
const image = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
  .jpeg({ quality: 91 })
  .toBuffer();
const boundary = 'frameforge-bench-boundary';
const body = Buffer.concat([
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="provider"\r\n\r\nmock\r\n`),
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="room.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
  image,
  Buffer.from(`\r\n--${boundary}--\r\n`),
]);
const edit = {
  method: 'POST',
  path: '/api/edit',
  headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) },
  body,
};
await load(ffPool, EDIT_CLIENTS, EDIT_CLIENTS, edit); // warm-up (sharp, code paths)
const edits = await load(ffPool, EDITS, EDIT_CLIENTS, edit);
console.log(`POST /api/edit, mock provider, ${(image.length / 1024 / 1024).toFixed(2)} MB JPEG (${width}x${height}), ${EDIT_CLIENTS} concurrent clients, ${EDITS} edits:`);
console.log(`  ${(EDITS / edits.seconds).toFixed(1)} edits/s, p50 ${percentile(edits.latencies, 50).toFixed(1)} ms, p99 ${percentile(edits.latencies, 99).toFixed(1)} ms`);
console.log(`  server peak RSS ${peakRssMb(ff.child.pid).toFixed(0)} MB`);
await ffPool.close();
await stop(ff.child);
