/**
 * Result downloads (src/providers/download.ts): the URL a provider returns is
 * held to what an image result can be (http(s) or data:), read with a byte
 * cap whether or not the size is declared, and each failure reaches the user
 * as the right error. Against a local HTTP server; nothing leaves the machine.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadResult, MAX_RESULT_BYTES } from '../../src/providers/download.js';
import { failure } from '../support/failure.js';

let server: Server;
let base = '';
let host = '';
/** Requests to /redirect so far. */
let redirectsServed = 0;
/** Connections to the server still open. */
const openSockets = new Set<Socket>();
/** Called when a request to /hang has arrived. */
let hung: (() => void) | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const size = Number(url.searchParams.get('size') ?? 10);
    if (url.pathname === '/missing') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    } else if (url.pathname === '/declared') {
      // Declares its size and sends it.
      res.writeHead(200, { 'content-type': 'image/png; charset=binary', 'content-length': String(size) }).end(Buffer.alloc(size, 7));
    } else if (url.pathname === '/chunked') {
      // No Content-Length: the cap must hold while reading. Many chunks, so the count grows past it mid-stream.
      res.writeHead(200, { 'content-type': 'image/webp' });
      for (let sent = 0; sent < size; sent += 100) res.write(Buffer.alloc(Math.min(100, size - sent), 1));
      res.end();
    } else if (url.pathname === '/huge') {
      // Declares more than the cap, sends a little, never finishes: only the declaration can refuse it.
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(MAX_RESULT_BYTES + 1) });
      res.write(Buffer.alloc(16));
    } else if (url.pathname === '/hang') {
      hung?.();
    } else if (url.pathname === '/redirect') {
      // `hops` redirects with `status`, each Location relative, then the image.
      const hops = Number(url.searchParams.get('hops'));
      const status = Number(url.searchParams.get('status') ?? 302);
      redirectsServed++;
      const next = hops > 1 ? `redirect?hops=${hops - 1}&status=${status}` : 'declared?size=12';
      res.writeHead(status, { location: next }).end('moved');
    } else if (url.pathname === '/redirect-to') {
      res.writeHead(302, { location: url.searchParams.get('url')! }).end();
    } else if (url.pathname === '/no-location') {
      res.writeHead(302, { 'content-type': 'text/plain' }).end('nowhere');
    } else if (url.pathname === '/spaced-type') {
      res.writeHead(200, { 'content-type': 'image/png ; charset=binary' }).end(Buffer.from('png'));
    } else if (url.pathname === '/no-content') {
      res.writeHead(204).end();
    } else if (url.pathname === '/bare') {
      res.writeHead(200, {}).end(Buffer.from('abc'));
    } else {
      res.writeHead(500).end();
    }
  });
  server.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const signal = new AbortController().signal;
// The local server is allowed the way FAL_PROXY_URL's host is (safe-url refuses loopback otherwise).
const options = (extra: Partial<Parameters<typeof downloadResult>[1]> = {}) => ({ providerId: 'fal:x/y', signal, allowedHosts: [host], ...extra });

describe('data: URIs', () => {
  it('decodes base64 and keeps the media type', async () => {
    const result = await downloadResult(`data:image/png;base64,${Buffer.from('png bytes').toString('base64')}`, options());
    expect(result).toEqual({ data: Buffer.from('png bytes'), mimeType: 'image/png' });
  });

  it('decodes percent-encoded text as bytes, and has no media type when none is given', async () => {
    const result = await downloadResult('data:,a%20b', options());
    expect(result.data.equals(Buffer.from('a b'))).toBe(true);
    expect(result).not.toHaveProperty('mimeType');
  });

  it('takes ;base64 after other parameters', async () => {
    const result = await downloadResult(`data:image/jpeg;name=x.jpg;base64,${Buffer.from('jpg').toString('base64')}`, options());
    expect(result).toEqual({ data: Buffer.from('jpg'), mimeType: 'image/jpeg' });
  });

  it('a malformed one is provider_error', async () => {
    const error = await failure(downloadResult('data:image/png;base64', options()));
    expect([error.code, error.message]).toEqual(['provider_error', 'fal:x/y returned a malformed data: URI.']);
  });

  it('refuses one larger than the cap, checked before decoding and after', async () => {
    const ok = Buffer.alloc(30, 2);
    expect((await downloadResult(`data:;base64,${ok.toString('base64')}`, options({ maxBytes: 30 }))).data.equals(ok)).toBe(true);
    const base64 = Buffer.alloc(31, 2).toString('base64');
    const error = await failure(downloadResult(`data:;base64,${base64}`, options({ maxBytes: 30 })));
    expect([error.code, error.message]).toEqual(['provider_rejected', 'The result from fal:x/y is larger than 0 MB; refused.']);
    // Far beyond the cap: refused on its length alone.
    const huge = await failure(downloadResult(`data:;base64,${'A'.repeat(1000)}`, options({ maxBytes: 30 })));
    expect(huge.code).toBe('provider_rejected');
    // Percent-encoded text is only checked after decoding.
    expect((await failure(downloadResult(`data:,${'b'.repeat(31)}`, options({ maxBytes: 30 })))).code).toBe('provider_rejected');
    expect((await downloadResult(`data:,${'b'.repeat(30)}`, options({ maxBytes: 30 }))).data.length).toBe(30);
    // Percent-encoded bytes take three characters each: 30 of them fit, 31 are refused before decoding.
    expect((await downloadResult(`data:,${'%FF'.repeat(30)}`, options({ maxBytes: 30 }))).data.equals(Buffer.alloc(30, 0xff))).toBe(true);
    const escaped = await failure(downloadResult(`data:,${'%FF'.repeat(31)}`, options({ maxBytes: 30 })));
    expect(escaped.code).toBe('provider_rejected');
  });

  it('a payload longer than the cap allows is refused on its length, before decoding, whatever it would decode to', async () => {
    // 100 characters of base64 are more than 30 bytes can need (44), though these decode to nothing.
    const junk = await failure(downloadResult(`data:image/png;base64,${'*'.repeat(100)}`, options({ maxBytes: 30 })));
    expect([junk.code, junk.message]).toEqual(['provider_rejected', 'The result from fal:x/y is larger than 0 MB; refused.']);
    // Percent-encoded: more than 3 characters per allowed byte is refused before the malformed escape at its end is even read.
    const long = await failure(downloadResult(`data:,${'b'.repeat(91)}%`, options({ maxBytes: 30 })));
    expect(long.code).toBe('provider_rejected');
    expect((await failure(downloadResult(`data:,${'b'.repeat(89)}%`, options({ maxBytes: 30 })))).code).toBe('provider_error');
  });

  it('decodes each %XX as one byte, not as UTF-8: a binary payload arrives as sent', async () => {
    const result = await downloadResult('data:application/octet-stream,%89PNG%0d%0A%1A%0A%FF%C3%A9+~', options());
    expect(result.data.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xc3, 0xa9, 0x2b, 0x7e]))).toBe(true);
    expect(result.mimeType).toBe('application/octet-stream');
  });

  it.each([
    ['data:,ab%GG', '%GG', 2],
    ['data:,abc%F', '%F', 3],
    ['data:,%', '%', 0],
  ])('a malformed percent escape in %s is provider_error naming the result URL and the escape', async (uri, escape, at) => {
    const error = await failure(downloadResult(uri, options()));
    expect(error.code).toBe('provider_error');
    expect(error.subject).toBe('result URL');
    expect(error.message).toBe(`fal:x/y returned a result URL (a data: URI) with a malformed percent escape "${escape}" at character ${at} of its payload.`);
  });
});

describe('URLs', () => {
  it('fetches http and keeps the media type without its parameters', async () => {
    const result = await downloadResult(`${base}/declared?size=64`, options());
    expect(result).toEqual({ data: Buffer.alloc(64, 7), mimeType: 'image/png' });
  });

  it('the media type is read without the spaces around it', async () => {
    expect(await downloadResult(`${base}/spaced-type`, options())).toEqual({ data: Buffer.from('png'), mimeType: 'image/png' });
  });

  it('an answer without a body (204) is provider_error with the status', async () => {
    const error = await failure(downloadResult(`${base}/no-content`, options()));
    expect([error.code, error.message]).toEqual(['provider_error', 'Downloading the result of fal:x/y failed (HTTP 204).']);
  });

  it('an allowed host given by name (FAL_PROXY_URL=http://localhost:port) is resolved when connecting, and fetched', async () => {
    const byName = `localhost:${host.split(':')[1]}`;
    const result = await downloadResult(`http://${byName}/declared?size=5`, options({ allowedHosts: [byName] }));
    expect(result).toEqual({ data: Buffer.alloc(5, 7), mimeType: 'image/png' });
  });

  it('a result host whose name resolves to a private address is refused, naming the address, and nothing is fetched', async () => {
    const lookup = async () => [{ address: '10.0.0.7', family: 4 as const }];
    const error = await failure(downloadResult('https://cdn.example.test/x.png', options({ lookup })));
    expect([error.code, error.subject]).toEqual(['result_url_refused', 'cdn.example.test']);
    expect(error.message).toBe('fal:x/y named a result URL on cdn.example.test that FrameForge does not fetch: resolves to a private address (10.0.0.7). Nothing was fetched.');
  });

  it('closes its connections when done: ten downloads leave none open behind them', async () => {
    for (let i = 0; i < 10; i++) await downloadResult(`${base}/declared?size=3`, options());
    // The last one may still be closing; without the close, all ten would stay open (keep-alive).
    expect(openSockets.size).toBeLessThanOrEqual(2);
  });

  it('a response without a content type has no media type', async () => {
    const result = await downloadResult(`${base}/bare`, options());
    expect(result).toEqual({ data: Buffer.from('abc') });
  });

  it.each(['file:///etc/passwd', 'ftp://example.com/x.png', 'javascript:alert(1)', 'not a url'])('refuses %s without fetching: result_url_refused', async (url) => {
    const error = await failure(downloadResult(url, options()));
    expect(error.code).toBe('result_url_refused');
    expect(error.message).toMatch(/Nothing was fetched\.$/);
  });

  it.each([301, 302, 303, 307, 308])('follows a relative %i redirect, up to five of them', async (status) => {
    const result = await downloadResult(`${base}/redirect?hops=5&status=${status}`, options());
    expect(result).toEqual({ data: Buffer.alloc(12, 7), mimeType: 'image/png' });
  });

  it('a sixth redirect is provider_error, and the URL it names is not fetched', async () => {
    redirectsServed = 0;
    const error = await failure(downloadResult(`${base}/redirect?hops=6`, options()));
    expect([error.code, error.message]).toEqual(['provider_error', 'The result of fal:x/y redirected more than 5 times.']);
    expect(redirectsServed).toBe(6);
  });

  it('a redirect status without a Location, or a 300, is not followed: provider_error with the status', async () => {
    const error = await failure(downloadResult(`${base}/no-location`, options()));
    expect(error.message).toBe('Downloading the result of fal:x/y failed (HTTP 302).');
    const multiple = await failure(downloadResult(`${base}/redirect?hops=1&status=300`, options()));
    expect(multiple.message).toBe('Downloading the result of fal:x/y failed (HTTP 300).');
  });

  it('a redirect to an address that is not allowed is refused, naming that host', async () => {
    const error = await failure(downloadResult(`${base}/redirect-to?url=${encodeURIComponent('http://127.0.0.2:8080/secret')}`, options()));
    expect([error.code, error.subject]).toEqual(['result_url_refused', '127.0.0.2:8080']);
    expect(error.hint).toBe('If that host is yours (a proxy or gateway), add it to FAL_ALLOWED_RESULT_HOSTS.');
  });

  it('an HTTP error is provider_error with the status', async () => {
    const error = await failure(downloadResult(`${base}/missing`, options()));
    expect([error.code, error.message]).toEqual(['provider_error', 'Downloading the result of fal:x/y failed (HTTP 404).']);
  });

  it('refuses a declared size over the cap, and takes one at the cap', async () => {
    expect((await downloadResult(`${base}/declared?size=1000`, options({ maxBytes: 1000 }))).data.length).toBe(1000);
    const error = await failure(downloadResult(`${base}/declared?size=1001`, options({ maxBytes: 1000 })));
    expect(error.code).toBe('provider_rejected');
  });

  it('stops reading an undeclared body once it passes the cap, and takes one at the cap', async () => {
    expect((await downloadResult(`${base}/chunked?size=1000`, options({ maxBytes: 1000 }))).data.equals(Buffer.alloc(1000, 1))).toBe(true);
    const error = await failure(downloadResult(`${base}/chunked?size=5000`, options({ maxBytes: 1000 })));
    expect([error.code, error.message]).toEqual(['provider_rejected', 'The result from fal:x/y is larger than 0 MB; refused.']);
  });

  it('the cap is 50 MB unless given', async () => {
    expect(MAX_RESULT_BYTES).toBe(50 * 1024 * 1024);
    const error = await failure(downloadResult(`${base}/huge`, options()));
    expect([error.code, error.message]).toEqual(['provider_rejected', 'The result from fal:x/y is larger than 50 MB; refused.']);
  });

  it('an unreachable host is provider_unreachable, with the connection error', async () => {
    // A port nothing listens on (port 9 would not do: fetch refuses it as a "bad port" before connecting).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(downloadResult(`http://127.0.0.1:${port}/x.png`, options({ allowedHosts: [`127.0.0.1:${port}`] })));
    expect(error.code).toBe('provider_unreachable');
    expect(error.message).toBe(`Could not reach the result host 127.0.0.1:${port} for fal:x/y (ECONNREFUSED).`);
  });

  it('an allowed host whose name does not resolve is provider_unreachable, with the resolver\'s code', async () => {
    const error = await failure(downloadResult('http://nothing.invalid:8080/x.png', options({ allowedHosts: ['nothing.invalid:8080'] })));
    expect(error.code).toBe('provider_unreachable');
    expect(error.message).toMatch(/^Could not reach the result host nothing\.invalid:8080 for fal:x\/y \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)\.$/);
  });

  it('an aborted signal ends it with the signal\'s reason, before or during the fetch', async () => {
    const before = new AbortController();
    before.abort(new Error('stop'));
    const error = await downloadResult(`${base}/declared`, options({ signal: before.signal })).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toBe('stop');

    const during = new AbortController();
    const arrived = new Promise<void>((resolve) => (hung = resolve));
    const pending = downloadResult(`${base}/hang`, options({ signal: during.signal }));
    await arrived;
    during.abort(new DOMException('cancelled', 'AbortError'));
    const reason = await pending.then(() => undefined, (e: unknown) => e);
    expect(reason).toBeInstanceOf(DOMException);
    expect((reason as DOMException).name).toBe('AbortError');
  });
});
