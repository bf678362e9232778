// Load test: `frameforge serve` against the bare node:http floor (lib/servers.mjs:
// fixed JSON for health and providers, a busboy echo for edits) in the same run.
// GET /api/health, GET /api/providers and POST /api/edit (mock, ~1 MB JPEG) at
// 10, 50 and 100 connections, after a warm-up of every route. Each cell: one
// uncounted round each (fresh connections), then
// ROUNDS timed rounds that alternate which server goes first; req/s and server
// CPU per request are compared as the median of each round's pair (a pair shares
// its moment of the machine's load), latencies pooled over the counted rounds,
// peak RSS per cell (reset before each). Then cold start: spawn to first 200 on
// /api/health. Prints a line per cell and markdown tables for docs/performance.md.
// Env: BENCH_LOAD_CONNECTIONS (10,50,100), BENCH_LOAD_ROUNDS (3), BENCH_LOAD_SECONDS
// (2 per round; edits 1.5x), BENCH_COLD_RUNS (5).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, request } from 'undici';
import {
  cpuMs, drive, editRequest, median, noisyJpeg, peakRssMb, percentile, resetPeakRss, rssMb, startBare, startFrameForge, stop,
} from './lib/servers.mjs';

const LEVELS = (process.env.BENCH_LOAD_CONNECTIONS ?? '10,50,100').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 3);
const ROUND_MS = Number(process.env.BENCH_LOAD_SECONDS ?? 2) * 1000;
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
// Every edit is let in: the load test measures serving, not refusing. With the
// defaults (8 running, 32 waiting) 100 connections would get 503s by design.
const FF_LOAD_ENV = { MAX_CONCURRENT_EDITS: '8', MAX_QUEUED_EDITS: '1000' };

const origin = 'http://localhost:5173';
const { image, width, height } = await noisyJpeg(1024 * 1024);
const routes = [
  { name: 'GET /api/health', ms: ROUND_MS, options: { method: 'GET', path: '/api/health', headers: { origin, 'accept-encoding': 'gzip, br' } } },
  { name: 'GET /api/providers', ms: ROUND_MS, options: { method: 'GET', path: '/api/providers', headers: { origin, 'accept-encoding': 'gzip, br' } } },
  { name: 'POST /api/edit (mock, 1 MB)', ms: ROUND_MS * 1.5, options: { ...editRequest(image), headers: { ...editRequest(image).headers, origin } } },
];

const ff = startFrameForge(FF_LOAD_ENV);
const ffUrl = await ff.url;
const providersBody = await (await request(`${ffUrl}/api/providers`)).body.text();
const bare = startBare({ BARE_PROVIDERS: providersBody });
const bareUrl = await bare.url;
const servers = { bare: { ...bare, baseUrl: bareUrl }, ff: { ...ff, baseUrl: ffUrl } };
console.log(`JPEG ${(image.length / 1024 / 1024).toFixed(2)} MB (${width}x${height}); ${ROUNDS} rounds of ${ROUND_MS / 1000} s per cell (edits ${(ROUND_MS * 1.5) / 1000} s), alternating`);

async function round(name, pool, route, concurrency) {
  const { pid } = servers[name].child;
  const cpu = cpuMs(pid);
  const r = await drive(pool, { ms: route.ms, concurrency, options: route.options });
  return { ...r, cpuMs: cpuMs(pid) - cpu };
}

// Warm both servers up on every route first (JIT, sharp, sockets), so the first
// cell does not measure one server's compilation against the other's.
for (const route of routes) {
  const total = route.options.method === 'POST' ? 60 : 4000;
  for (const url of [bareUrl, ffUrl]) {
    const pool = new Pool(url, { connections: 10, pipelining: 1 });
    await drive(pool, { total, concurrency: 10, options: route.options });
    await pool.close();
  }
}

const cells = [];
for (const route of routes) {
  for (const connections of LEVELS) {
    const pools = {
      bare: new Pool(bareUrl, { connections, pipelining: 1 }),
      ff: new Pool(ffUrl, { connections, pipelining: 1 }),
    };
    const stats = {};
    for (const name of ['bare', 'ff']) {
      resetPeakRss(servers[name].child.pid);
      stats[name] = { rates: [], cpuPerRequest: [], latencies: [], statuses: {}, requests: 0, cpuMs: 0 };
    }
    // Round -1 warms both up and is not counted.
    for (let i = -1; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? ['bare', 'ff'] : ['ff', 'bare'];
      for (const name of order) {
        const r = await round(name, pools[name], route, connections);
        if (i < 0) continue;
        const s = stats[name];
        s.rates.push(r.count / r.seconds);
        s.cpuPerRequest.push((r.cpuMs * 1000) / r.count);
        s.latencies.push(...r.latencies);
        s.requests += r.count;
        s.cpuMs += r.cpuMs;
        for (const [code, n] of Object.entries(r.statuses)) s.statuses[code] = (s.statuses[code] ?? 0) + n;
      }
    }
    for (const name of ['bare', 'ff']) {
      stats[name].peakRss = peakRssMb(servers[name].child.pid);
      await pools[name].close();
    }
    const rateRatio = median(stats.ff.rates.map((r, i) => r / stats.bare.rates[i]));
    const cpuRatio = median(stats.ff.cpuPerRequest.map((c, i) => c / stats.bare.cpuPerRequest[i]));
    const cell = { route: route.name, connections, stats, rateRatio, cpuRatio };
    cells.push(cell);
    const line = (name) => {
      const s = stats[name];
      const other = Object.entries(s.statuses).filter(([code]) => code !== '200');
      return `${median(s.rates).toFixed(0)} req/s, p50/p95/p99 ${[50, 95, 99].map((p) => percentile(s.latencies, p).toFixed(1)).join('/')} ms, ` +
        `${((s.cpuMs * 1000) / s.requests).toFixed(0)} us CPU/req, peak RSS ${s.peakRss.toFixed(0)} MB${other.length ? `, non-200: ${JSON.stringify(Object.fromEntries(other))}` : ''}`;
    };
    console.log(`${route.name}, ${connections} connections:`);
    console.log(`  bare:       ${line('bare')}`);
    console.log(`  frameforge: ${line('ff')}`);
    console.log(`  frameforge / bare: req/s ${rateRatio.toFixed(2)}x, CPU per request ${cpuRatio.toFixed(2)}x`);
  }
}
const idleRss = { ff: rssMb(ff.child.pid), bare: rssMb(bare.child.pid) };
await stop(ff.child);
await stop(bare.child);

// Cold start: from spawn to the first 200 on /api/health, alternating.
async function coldStart(start) {
  const t = performance.now();
  const server = start();
  const url = await server.url;
  for (;;) {
    try {
      const res = await request(`${url}/api/health`);
      await res.body.text();
      if (res.statusCode === 200) break;
    } catch {
      // not accepting yet
    }
    await sleep(2);
  }
  const ms = performance.now() - t;
  const rss = rssMb(server.child.pid);
  await stop(server.child);
  return { ms, rss };
}
const cold = { bare: [], ff: [] };
await coldStart(startBare); // warms the file system cache and the compile cache
await coldStart(() => startFrameForge(FF_LOAD_ENV));
for (let i = 0; i < COLD_RUNS; i++) {
  const order = i % 2 === 0 ? ['bare', 'ff'] : ['ff', 'bare'];
  for (const name of order) cold[name].push(await coldStart(name === 'bare' ? startBare : () => startFrameForge(FF_LOAD_ENV)));
}
const coldMs = (name) => median(cold[name].map((c) => c.ms));
const coldRatio = median(cold.ff.map((c, i) => c.ms / cold.bare[i].ms));
console.log(`cold start (spawn to first 200 on /api/health), median of ${COLD_RUNS}: bare ${coldMs('bare').toFixed(0)} ms, frameforge ${coldMs('ff').toFixed(0)} ms (${coldRatio.toFixed(2)}x); RSS then: bare ${median(cold.bare.map((c) => c.rss)).toFixed(0)} MB, frameforge ${median(cold.ff.map((c) => c.rss)).toFixed(0)} MB`);
console.log(`RSS after the load test: bare ${idleRss.bare.toFixed(0)} MB, frameforge ${idleRss.ff.toFixed(0)} MB`);

// The tables, ready for docs/performance.md.
console.log('\n| route | connections | server | req/s | p50 ms | p95 ms | p99 ms | CPU µs/req | peak RSS MB | not 200 |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const c of cells) {
  for (const name of ['ff', 'bare']) {
    const s = c.stats[name];
    const not200 = Object.entries(s.statuses).filter(([code]) => code !== '200').reduce((n, [, k]) => n + k, 0);
    console.log(`| ${c.route} | ${c.connections} | ${name === 'ff' ? 'FrameForge' : 'bare node:http'} | ${median(s.rates).toFixed(0)} | ` +
      `${[50, 95, 99].map((p) => percentile(s.latencies, p).toFixed(1)).join(' | ')} | ${((s.cpuMs * 1000) / s.requests).toFixed(0)} | ${s.peakRss.toFixed(0)} | ${not200} |`);
  }
}
console.log('\n| route | connections | FrameForge / bare req/s | FrameForge / bare CPU per request |');
console.log('|---|---|---|---|');
for (const c of cells) console.log(`| ${c.route} | ${c.connections} | ${c.rateRatio.toFixed(2)}x | ${c.cpuRatio.toFixed(2)}x |`);
