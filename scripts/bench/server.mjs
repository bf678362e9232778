// `frameforge serve` under load, against itself and a bare node:http server.
//  1. GET /api/health with every middleware on (request id, access log,
//     CORS, rate limit, deadlines) vs a bare node:http server answering the
//     same JSON, interleaved in one run. Target: at least 0.8x the bare one.
//  2. POST /api/edit with the mock provider and a ~2 MB JPEG at 16 concurrent
//     clients: p50/p99 latency and the server's peak RSS.
// Both servers run as child processes on 127.0.0.1; every loop is bounded.
import { Pool } from 'undici';
import { cpuMs, drive, editRequest, median, noisyJpeg, peakRssMb, percentile, startBare, startFrameForge, stop } from './lib/servers.mjs';

const HEALTH_REQUESTS = Number(process.env.BENCH_HEALTH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const EDITS = Number(process.env.BENCH_EDITS ?? 320);
const CONNECTIONS = 32;
const EDIT_CLIENTS = 16;

async function load(pool, total, concurrency, options) {
  const result = await drive(pool, { total, concurrency, options });
  const bad = Object.keys(result.statuses).filter((s) => s !== '200');
  if (bad.length) throw new Error(`${options.method} ${options.path}: ${JSON.stringify(result.statuses)}`);
  return result;
}

// 1. Health throughput, interleaved rounds.
const bare = startBare();
const ff = startFrameForge();
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
const { image, width, height } = await noisyJpeg(2 * 1024 * 1024);
const edit = editRequest(image);
await load(ffPool, EDIT_CLIENTS, EDIT_CLIENTS, edit); // warm-up (sharp, code paths)
const edits = await load(ffPool, EDITS, EDIT_CLIENTS, edit);
console.log(`POST /api/edit, mock provider, ${(image.length / 1024 / 1024).toFixed(2)} MB JPEG (${width}x${height}), ${EDIT_CLIENTS} concurrent clients, ${EDITS} edits:`);
console.log(`  ${(EDITS / edits.seconds).toFixed(1)} edits/s, p50 ${percentile(edits.latencies, 50).toFixed(1)} ms, p99 ${percentile(edits.latencies, 99).toFixed(1)} ms`);
console.log(`  server peak RSS ${peakRssMb(ff.child.pid).toFixed(0)} MB`);
await ffPool.close();
await stop(ff.child);
