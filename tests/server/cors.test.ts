/**
 * The CORS policy on its own, behind a bare node:http server: every header it
 * sets or leaves out, exactly. (middleware.test.ts checks it inside the real
 * server; this file is the fast one mutation testing leans on.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ALLOWED_REQUEST_HEADERS, createCors, EXPOSED_HEADERS } from '../../src/server/policies/cors.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server that asks `cors` about every request; the answer says whether preflight() took it. */
async function serveWith(allowedOrigins: string[], vary?: string): Promise<string> {
  const cors = createCors(allowedOrigins);
  const server = createServer((req, res) => {
    if (vary) res.setHeader('Vary', vary);
    if (cors.preflight(req, res, ['GET', 'POST'])) return;
    cors.apply(req, res);
    res.setHeader('X-Handled-By', 'route');
    res.end('route');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const PREFLIGHT = { 'Access-Control-Request-Method': 'POST' };
const corsHeaders = (res: Response) => Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('access-control-') || k === 'vary'));

describe('listed origins', () => {
  it('a preflight from a listed origin gets exactly the allowed methods, headers, max-age and credentials', async () => {
    const url = await serveWith(['http://localhost:5173']);
    const res = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', ...PREFLIGHT } });
    expect(res.status).toBe(204);
    expect(res.headers.get('content-length')).toBe('0');
    expect(res.headers.get('x-handled-by')).toBeNull();
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': 'http://localhost:5173',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type, Authorization, X-Google-API-Key, X-Gemini-API-Key, X-Fal-Key, X-Request-Id',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    expect(ALLOWED_REQUEST_HEADERS.join(', ')).toBe(res.headers.get('access-control-allow-headers'));
  });

  it('an ordinary request from a listed origin gets the origin, credentials and the exposed headers', async () => {
    const url = await serveWith(['http://localhost:5173', 'https://app.example.com']);
    const res = await fetch(url, { headers: { Origin: 'https://app.example.com' } });
    expect(await res.text()).toBe('route');
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Request-Id, X-FrameForge-Provider, X-FrameForge-Mock, X-FrameForge-Fallback, Retry-After, Content-Length',
      vary: 'Origin',
    });
    expect(EXPOSED_HEADERS.join(', ')).toBe(res.headers.get('access-control-expose-headers'));
  });

  it('another origin gets only Vary: Origin, on a preflight (still answered 204) and on a request', async () => {
    const url = await serveWith(['http://localhost:5173']);
    const pre = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173.evil.example', ...PREFLIGHT } });
    expect(pre.status).toBe(204);
    expect(corsHeaders(pre)).toEqual({ vary: 'Origin' });
    const res = await fetch(url, { headers: { Origin: 'http://evil.example' } });
    expect(corsHeaders(res)).toEqual({ vary: 'Origin' });
  });
});

describe('Vary', () => {
  it('Origin is added to a Vary the response already has, not put in its place', async () => {
    const url = await serveWith(['http://localhost:5173'], 'Accept-Encoding');
    for (const origin of ['http://localhost:5173', 'http://evil.example']) {
      const res = await fetch(url, { headers: { Origin: origin } });
      expect(res.headers.get('vary'), origin).toBe('Accept-Encoding, Origin');
    }
  });
});

describe('*', () => {
  it('answers any origin with * and no credentials, on a preflight and on a request', async () => {
    const url = await serveWith(['*']);
    const pre = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://anything.example', ...PREFLIGHT } });
    expect(corsHeaders(pre)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': ALLOWED_REQUEST_HEADERS.join(', '),
      'access-control-max-age': '600',
    });
    const res = await fetch(url, { headers: { Origin: 'http://anything.example' } });
    expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS.join(', ') });
  });
});

describe('what is not a CORS request', () => {
  it.each([[['*']], [['http://localhost:5173']]])('a request without Origin gets no CORS headers and no Vary (%j)', async (origins) => {
    const url = await serveWith(origins);
    expect(corsHeaders(await fetch(url))).toEqual({});
    const pre = await fetch(url, { method: 'OPTIONS', headers: PREFLIGHT });
    expect(pre.status).toBe(204);
    expect(corsHeaders(pre)).toEqual({});
  });

  it('OPTIONS without Access-Control-Request-Method, or another method with it, goes to the route', async () => {
    const url = await serveWith(['*']);
    const options = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://a.example' } });
    expect(options.headers.get('x-handled-by')).toBe('route');
    const get = await fetch(url, { headers: { Origin: 'http://a.example', ...PREFLIGHT } });
    expect(get.headers.get('x-handled-by')).toBe('route');
    expect(get.headers.get('access-control-allow-methods')).toBeNull();
  });
});
