// A batch of 200 edits at concurrency 8 against a fake Gemini server that
// takes 300 ms per call, through the built CLI and the real Gemini adapter.
// The ideal is 200 x 0.3 s / 8 = 7.5 s: the provider's time alone, perfectly
// overlapped. The ratio shows what the batch machinery (start-up, reading,
// sniffing, preparing, writing, the manifest) adds. Target: at most 1.15x.
// Env: BENCH_ITEMS, BENCH_CONCURRENCY, BENCH_DELAY_MS to vary it.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import sharp from 'sharp';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 300);
const bin = new URL('../../bin/frameforge.js', import.meta.url).pathname;

// The fake answers Gemini's generateContent with a small PNG after DELAY_MS.
// It is written here rather than imported from tests/fakes because benches run
// as plain JavaScript on the build, without the test tooling.
const answer = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#7a9' } }).png().toBuffer();
const body = JSON.stringify({
  candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: answer.toString('base64') } }] }, finishReason: 'STOP', index: 0 }],
  responseId: 'bench',
});
let calls = 0;
let inFlight = 0;
let maxInFlight = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    calls++;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    }, DELAY_MS);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}`;

// Listing-like inputs: small JPEGs spread over a few folders.
const dir = await mkdtemp(path.join(tmpdir(), 'ff-bench-batch-'));
for (let i = 0; i < ITEMS; i++) {
  const sub = path.join(dir, 'in', `listing-${i % 10}`);
  await mkdir(sub, { recursive: true });
  const jpeg = await sharp({ create: { width: 160, height: 120, channels: 3, background: { r: i % 256, g: 100, b: 50 } } }).jpeg().toBuffer();
  await writeFile(path.join(sub, `room-${i}.jpg`), jpeg);
}

const started = performance.now();
const code = await new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    [bin, 'edit', 'in', '-r', '-o', 'out', '--provider', 'google', '--concurrency', String(CONCURRENCY), '--json'],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, GOOGLE_API_KEY: 'bench-key', GOOGLE_GEMINI_BASE_URL: url },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  child.on('exit', (c) => resolve(c));
});
const wall = (performance.now() - started) / 1000;
server.close();
await rm(dir, { recursive: true, force: true });

const ideal = (ITEMS * DELAY_MS) / 1000 / CONCURRENCY;
const ratio = wall / ideal;
console.log(`items ${ITEMS}, concurrency ${CONCURRENCY}, ${DELAY_MS} ms per call; provider calls ${calls}, most in flight ${maxInFlight}`);
console.log(`wall time:  ${wall.toFixed(2)} s (whole CLI run, start-up included)`);
console.log(`ideal:      ${ideal.toFixed(2)} s (${ITEMS} x ${DELAY_MS / 1000} s / ${CONCURRENCY})`);
console.log(`ratio:      ${ratio.toFixed(3)}x (target <= 1.15x) ${ratio <= 1.15 ? 'OK' : 'OVER TARGET'}`);
if (code !== 0 || calls !== ITEMS) {
  console.error(`the batch did not finish cleanly: exit ${code}, ${calls} calls for ${ITEMS} items`);
  process.exit(1);
}
