/**
 * FrameForgeResponse (src/server/response.ts): headers set early (request id,
 * CORS, Cache-Control) are written with the status line, all at once when the
 * handler answers with writeHead, and the ordinary way when it used
 * setHeader; either way every header arrives once, and a header the handler
 * set itself wins over an early one, as it did when it overwrote it.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { earlyHeader, earlyVary, FrameForgeResponse } from '../../src/server/response.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Serves `handler` with FrameForgeResponse; resolves to the answer's status, raw header pairs and body. */
async function answer(handler: (res: FrameForgeResponse) => void): Promise<{ status: number; message: string; raw: [string, string][]; body: string }> {
  const server = createServer({ ServerResponse: FrameForgeResponse }, (_req, res) => handler(res as FrameForgeResponse));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const res = await new Promise<IncomingMessage>((resolve, reject) => request({ port, host: '127.0.0.1', path: '/' }, resolve).on('error', reject).end());
  let body = '';
  for await (const chunk of res) body += String(chunk);
  const raw: [string, string][] = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
  return { status: res.statusCode!, message: res.statusMessage!, raw: raw.filter(([k]) => !['Date', 'Connection', 'Keep-Alive'].includes(k)), body };
}

const early = (res: FrameForgeResponse) => {
  earlyHeader(res, 'X-Request-Id', 'id-1');
  earlyVary(res, 'Origin');
  earlyHeader(res, 'Cache-Control', 'no-cache');
};

describe('FrameForgeResponse', () => {
  it('writes the early headers and the handler\'s writeHead list together, each once, names as given', async () => {
    const got = await answer((res) => {
      early(res);
      expect(res.onlyEarlyHeaders).toBe(true);
      res.writeHead(201, ['Content-Type', 'text/plain', 'Content-Length', '2']);
      res.end('ok');
    });
    expect(got.status).toBe(201);
    expect(got.body).toBe('ok');
    expect(got.raw).toEqual([
      ['X-Request-Id', 'id-1'], ['Vary', 'Origin'], ['Cache-Control', 'no-cache'], ['Content-Type', 'text/plain'], ['Content-Length', '2'],
    ]);
  });

  it('keeps a status message given to writeHead', async () => {
    const got = await answer((res) => {
      early(res);
      res.writeHead(200, 'Fine', ['Content-Length', '0']);
      res.end();
    });
    expect(got.message).toBe('Fine');
    expect(got.raw).toContainEqual(['X-Request-Id', 'id-1']);
  });

  it('writes them on an implicit head (end() without writeHead)', async () => {
    const got = await answer((res) => {
      early(res);
      res.statusCode = 404;
      res.end('gone');
    });
    expect(got.status).toBe(404);
    expect(got.raw).toEqual(expect.arrayContaining([['X-Request-Id', 'id-1'], ['Vary', 'Origin'], ['Cache-Control', 'no-cache']]));
  });

  it('after setHeader: the handler\'s own value of a header wins, early Vary comes first, nothing twice', async () => {
    const got = await answer((res) => {
      early(res);
      res.setHeader('Cache-Control', 'no-store');
      res.appendHeader('Vary', 'Accept-Encoding');
      res.setHeader('Content-Type', 'application/json');
      expect(res.onlyEarlyHeaders).toBe(false);
      res.end('{}');
    });
    const names = got.raw.map(([k]) => k.toLowerCase());
    expect(got.raw.filter(([k]) => k === 'Cache-Control')).toEqual([['Cache-Control', 'no-store']]);
    expect(got.raw.filter(([k]) => k === 'Vary').map(([, v]) => v)).toEqual(['Origin', 'Accept-Encoding']);
    expect(got.raw).toContainEqual(['X-Request-Id', 'id-1']);
    expect(new Set(names.filter((n) => n !== 'vary')).size).toBe(names.filter((n) => n !== 'vary').length);
  });

  it('after setHeader, a writeHead object still gets the early headers', async () => {
    const got = await answer((res) => {
      early(res);
      res.setHeader('Location', '/there');
      res.writeHead(302, { 'Content-Length': '0' });
      res.end();
    });
    expect(got.status).toBe(302);
    expect(got.raw).toEqual(expect.arrayContaining([['X-Request-Id', 'id-1'], ['Location', '/there'], ['Content-Length', '0'], ['Cache-Control', 'no-cache']]));
  });

  it('on a plain ServerResponse, earlyHeader and earlyVary are setHeader (and append to a Vary already set)', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('Vary', 'Accept-Encoding');
      earlyHeader(res, 'X-Request-Id', 'id-2');
      earlyVary(res, 'Origin');
      expect(res.getHeader('x-request-id')).toBe('id-2');
      res.end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(res.headers.get('vary')).toBe('Accept-Encoding, Origin');
    expect(res.headers.get('x-request-id')).toBe('id-2');
  });
});
