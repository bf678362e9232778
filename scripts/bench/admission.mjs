// Admission control under a flood (issue 11, item 4): 150 clients upload a
// 40 MB edit (4 x 10 MB PNGs) at once to `frameforge serve` with its default
// settings (MAX_CONCURRENT_EDITS=8, MAX_QUEUED_EDITS=32, MIN_UPLOAD_BYTES_PER_SECOND)
// and a slow mock (MOCK_DELAY_MS=2000).
// Target: every request answered (200 or 503), none hung, the server's peak
// RSS (VmHWM) at most 1 GB. Before admission control the same load peaked
// at 2.08 GB.
// Clients speak raw HTTP/1.1 over sockets, as a browser would: they stop
// sending once an answer arrives (a 503 comes before the body is read).
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout, clearTimeout } from 'node:timers';
import sharp from 'sharp';
import { BIN, peakRssMb, startProcess, stop } from './lib/servers.mjs';

const CLIENTS = Number(process.env.BENCH_ADMISSION_CLIENTS ?? 150);
const MOCK_DELAY_MS = process.env.BENCH_ADMISSION_DELAY_MS ?? '2000';
const CLIENT_TIMEOUT_MS = 10 * 60 * 1000;
const TARGET_MB = 1024;
const MB = 1024 * 1024;

// Four different 10 MB PNGs of noise (PNG cannot shrink noise): 40 MB a request, under the 50 MB cap.
const side = 1800; // 1800 x 1800 x 3 bytes = 9.7 MB of pixels, ~9.8 MB as PNG
const files = await Promise.all(
  [0, 1, 2, 3].map((i) =>
    sharp({ create: { width: side, height: side, channels: 3, noise: { type: 'gaussian', mean: 100 + i, sigma: 60 } } })
      .png({ compressionLevel: 0 })
      .toBuffer(),
  ),
);
const boundary = 'frameforge-bench-boundary';
const body = Buffer.concat([
  ...files.flatMap((file, i) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="room-${i}.png"\r\nContent-Type: image/png\r\n\r\n`),
    file,
    Buffer.from('\r\n'),
  ]),
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="provider"\r\n\r\nmock\r\n--${boundary}--\r\n`),
]);

const server = startProcess([BIN, 'serve', '--port', '0'], {
  // Admission settings at their defaults; the per-address edit limit (100 an hour) raised, since every client here is one address.
  LOG_LEVEL: 'warn', MOCK_DELAY_MS, RATE_LIMIT_EDITS_PER_HOUR: '100000', ALLOWED_ORIGINS: 'http://localhost:5173', GOOGLE_API_KEY: 'bench-unused-key-000',
});
const child = server.child;
const url = await server.url;
const { hostname, port } = new URL(url);
const head = `POST /api/edit HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\n\r\n`;

/** One client: sends the request in 64 KB writes with backpressure, stops once answered; resolves to its status or 'hung' / 'error'. */
function client() {
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let answered = false;
    const started = performance.now();
    const done = (outcome) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, ms: performance.now() - started });
    };
    const timer = setTimeout(() => done('hung'), CLIENT_TIMEOUT_MS);
    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (received.length >= end + 4 + length) done(Number(text.split(' ')[1]));
    });
    socket.on('error', () => done('error'));
    socket.on('close', () => done('error'));
    socket.on('connect', async () => {
      socket.write(head);
      for (let offset = 0; offset < body.length && !answered; offset += 64 * 1024) {
        if (!socket.write(body.subarray(offset, offset + 64 * 1024))) {
          await new Promise((r) => {
            const settle = () => {
              socket.off('drain', settle);
              socket.off('close', settle);
              r();
            };
            socket.on('drain', settle);
            socket.on('close', settle);
          });
        }
      }
    });
  });
}

console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the start (on a saturated machine edits are slow, and queued ones may reach their 5-minute deadline)`);
console.log(`${CLIENTS} concurrent POST /api/edit of ${(body.length / MB).toFixed(1)} MB each (4 PNGs), mock delay ${MOCK_DELAY_MS} ms, default admission settings:`);
const idleRss = peakRssMb(child.pid);
const t0 = performance.now();
const results = await Promise.all(Array.from({ length: CLIENTS }, client));
const seconds = (performance.now() - t0) / 1000;
const peak = peakRssMb(child.pid);
const count = (o) => results.filter((r) => r.outcome === o).length;
const slowest = (o) => Math.max(0, ...results.filter((r) => r.outcome === o).map((r) => r.ms)) / 1000;
const others = {};
for (const r of results) if (r.outcome !== 200 && r.outcome !== 503 && r.outcome !== 'hung') others[r.outcome] = (others[r.outcome] ?? 0) + 1;
const otherText = Object.entries(others).map(([o, n]) => `${n} x ${o}`).join(', ') || 'none';
console.log(`  answered: ${count(200)} x 200, ${count(503)} x 503; other: ${otherText}; hung: ${count('hung')}`);
console.log(`  slowest 200 after ${slowest(200).toFixed(1)} s, slowest 503 after ${slowest(503).toFixed(2)} s; all done in ${seconds.toFixed(1)} s`);
console.log(`  server peak RSS: ${peak.toFixed(0)} MB (idle ${idleRss.toFixed(0)} MB); target <= ${TARGET_MB} MB ${peak <= TARGET_MB ? 'OK' : 'OVER TARGET'}`);
const ok = peak <= TARGET_MB && count(200) + count(503) === CLIENTS;
console.log(`  every request answered 200 or 503: ${count(200) + count(503) === CLIENTS ? 'yes' : 'NO'}`);
await stop(child);
process.exit(ok ? 0 : 1);
