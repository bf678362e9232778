/** Starts the real server on port 0 and speaks HTTP to it. */
import net from 'node:net';
import sharp from 'sharp';
import { configFrom, type Config } from '../../src/core/config.js';
import type { Settings } from '../../src/core/settings.js';
import { serve, type RunningServer, type ServeOptions } from '../../src/server/serve.js';

export interface TestServer extends RunningServer {
  logs: string[];
  /** Resolves with the first log line (parsed JSON) that `match` accepts, logged already or later. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** Every line every test server logged in this file, for the key grep. */
export const allLogs: string[] = [];

export async function startServer(settings: Partial<Settings> = {}, options: Partial<ServeOptions> = {}): Promise<TestServer> {
  const config: Config = configFrom({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'debug',
    logFormat: 'json',
    maxRetries: 0,
    // Should a real adapter ever be reached, it talks to nothing off this machine.
    googleBaseUrl: 'http://127.0.0.1:9',
    falProxyUrl: 'http://127.0.0.1:9',
    ...settings,
  });
  const logs: string[] = [];
  const waiters = new Set<(line: Record<string, unknown>) => boolean>();
  const server = await serve({
    config,
    logSink: (line) => {
      logs.push(line);
      allLogs.push(line);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      for (const waiter of waiters) if (waiter(parsed)) waiters.delete(waiter);
    },
    ...options,
  });
  const waitForLog = (match: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find(match);
      if (seen) return resolve(seen);
      waiters.add((line) => (match(line) ? (resolve(line), true) : false));
    });
  return { ...server, logs, waitForLog };
}

let jpegCache: Buffer | undefined;
export async function jpeg(width = 64, height = 48): Promise<Buffer> {
  if (width === 64 && height === 48 && jpegCache) return jpegCache;
  const data = await sharp({ create: { width, height, channels: 3, background: '#88aacc' } }).jpeg().toBuffer();
  if (width === 64 && height === 48) jpegCache = data;
  return data;
}

export function form(files: [field: string, data: Buffer, name: string][], fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [field, data, name] of files) body.append(field, new Blob([new Uint8Array(data)]), name);
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return body;
}

export async function postEdit(url: string, body: FormData, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/edit`, { method: 'POST', body, headers });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the first HTTP response in `text` (enough for our small JSON answers). */
function parseRaw(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(end + 4, end + 4 + length) };
}

/**
 * Sends `head` and then the chunks from `chunks()` over a raw socket, and
 * resolves with the first response, whether or not the body was all sent.
 * Stops writing as soon as a response has arrived.
 */
export function rawRequest(
  url: string,
  head: string,
  chunks: Iterable<Buffer> = [],
  options: { endAfterChunks?: boolean } = {},
): Promise<RawResponse & { bytesSent: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    let bytesSent = 0;
    let answered = false;
    const done = () => {
      if (answered) return;
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const parsed = parseRaw(received);
      if (received.length - end - 4 < Number(parsed.headers['content-length'] ?? 0)) return;
      answered = true;
      socket.destroy();
      resolve({ ...parsed, bytesSent });
    };
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      done();
    });
    socket.on('error', (error) => {
      if (answered) return;
      if (received) done();
      else reject(error);
    });
    socket.on('close', () => {
      if (!answered) reject(new Error(`connection closed without a full response: ${JSON.stringify(received.slice(0, 200))}`));
    });
    socket.on('connect', async () => {
      socket.write(head);
      for (const chunk of chunks) {
        if (answered || socket.destroyed) return;
        bytesSent += chunk.length;
        if (!socket.write(chunk)) await drainOrClose(socket);
      }
      // Half-close: the body ends here, whatever Content-Length promised; the answer can still arrive.
      if (options.endAfterChunks && !answered && !socket.destroyed) socket.end();
    });
  });
}

/** Waits for the socket to drain or close, then removes both listeners (a large upload waits many times). */
function drainOrClose(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    const settle = () => {
      socket.off('drain', settle);
      socket.off('close', settle);
      resolve();
    };
    socket.once('drain', settle);
    socket.once('close', settle);
  });
}

export const BOUNDARY = 'frameforge-test-boundary';

export function partHead(field: string, filename?: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"${filename ? `; filename="${filename}"` : ''}\r\n` +
      `${filename ? 'Content-Type: image/jpeg\r\n' : ''}\r\n`,
  );
}

export function requestHead(url: string, contentLength: number | undefined, extra = '', target = '/api/edit'): string {
  const { host } = new URL(url);
  return (
    `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
    (contentLength === undefined ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${contentLength}\r\n`) +
    extra +
    '\r\n'
  );
}

/** Frames buffers as HTTP/1.1 chunked transfer coding. */
export function* chunked(buffers: Iterable<Buffer>): Generator<Buffer> {
  for (const b of buffers) yield Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
  yield Buffer.from('0\r\n\r\n');
}

export function* repeat(chunk: Buffer, totalBytes: number): Generator<Buffer> {
  for (let sent = 0; sent < totalBytes; sent += chunk.length) yield chunk;
}

/** POSTs the head and the first part to `target`, then one byte every `everyMs` until the server answers. */
export function trickle(url: string, everyMs: number, target = '/api/edit'): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(requestHead(url, 1024 * 1024, '', target));
      socket.write(partHead('images', 'slow.jpg'));
      timer = setInterval(() => socket.write('x'), everyMs);
    });
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received)?.[1];
      if (end !== -1 && length && received.length >= end + 4 + Number(length)) {
        clearInterval(timer);
        socket.destroy();
        resolve({ status: Number(received.split(' ')[1]), body: received.slice(end + 4) });
      }
    });
    socket.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
  });
}
