/**
 * Requests Node's parser refuses before they reach the app (headers too large,
 * a malformed request line) still get a real HTTP answer: the right status
 * line and the usual JSON error.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** Writes `request` on a raw socket and collects everything until the server closes. */
function exchange(request: string): Promise<{ statusLine: string; headers: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', (error) => (received ? undefined : reject(error)));
    socket.on('close', () => {
      const end = received.indexOf('\r\n\r\n');
      const [statusLine = '', ...headers] = received.slice(0, end).split('\r\n');
      resolve({ statusLine, headers: headers.join('\n'), body: received.slice(end + 4) });
    });
  });
}

test('headers over the limit: "431 Request Header Fields Too Large" and code headers_too_large', async () => {
  const big = 'x'.repeat(32 * 1024);
  const res = await exchange(`GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${big}\r\n\r\n`);
  expect(res.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  expect(res.headers).toMatch(/^Content-Type: application\/json$/m);
  expect(JSON.parse(res.body)).toEqual({ code: 'headers_too_large', detail: expect.stringContaining('headers are larger than') });
});

test('a request line that is not HTTP: "400 Bad Request" and code bad_request', async () => {
  const res = await exchange('HELLO THERE\r\n\r\n');
  expect(res.statusLine).toBe('HTTP/1.1 400 Bad Request');
  expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_request' });
});
