/**
 * The web page as HTTP: `/` with a strict CSP and no inline script or style,
 * hashed assets cached for a year, the whole page within its gzip budget,
 * conditional requests, and --no-ui / SERVE_UI=false.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeProcess, type ServeProcess } from '../web/serve-process.js';
import { startServer, type TestServer } from './helpers.js';

/** The page's budget (issue 13): everything loaded to show `/`, gzipped. */
const PAGE_BUDGET_BYTES = 100 * 1024;

/** A GET without fetch's transparent decompression: the bytes as they travel. */
function getRaw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

/** What the page loads on its own: the script, the stylesheet, the icon (not the sample photo, fetched on demand). */
function assetsOf(html: string): string[] {
  const refs = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  return [...new Set(refs)];
}

describe('GET /', () => {
  let server: TestServer;
  let html: string;
  beforeAll(async () => {
    server = await startServer({ defaultPrompt: 'Make it "cosy" <now> & bright' });
    html = (await getRaw(`${server.url}/`)).body.toString();
  });
  afterAll(() => server.close());

  it('answers the page with a strict CSP, no-cache and nosniff', async () => {
    const res = await getRaw(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(res.headers['content-security-policy'] ?? '');
    const directives = new Map(csp.split(';').map((d): [string, string[]] => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values];
    }));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('has no inline script or style, and names only its own hashed assets', () => {
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="\/assets\//);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    const assets = assetsOf(html);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) expect(asset).toMatch(/^\/assets\/[a-z-]+-[A-Za-z0-9]{8,}\.(js|css|svg)$/);
  });

  it('carries the configured default prompt, escaped, in a meta tag', () => {
    expect(html).toContain('content="Make it &quot;cosy&quot; &lt;now&gt; &amp; bright"');
  });

  it('serves the assets with a year of immutable caching and their own types', async () => {
    for (const asset of assetsOf(html)) {
      const res = await getRaw(`${server.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const type = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' }[asset.split('.').pop()!];
      expect(res.headers['content-type']).toBe(type);
      expect(res.body.length).toBeGreaterThan(0);
    }
    expect((await getRaw(`${server.url}/assets/app-00000000.js`)).status).toBe(404);
  });

  it('keeps the whole page within 100 KB gzipped', async () => {
    let total = 0;
    for (const path of ['/', ...assetsOf(html)]) {
      const res = await getRaw(`${server.url}${path}`, { 'accept-encoding': 'gzip' });
      // The svg icon is small; text types must arrive compressed.
      if (!path.endsWith('.svg')) expect(res.headers['content-encoding'], path).toBe('gzip');
      total += res.body.length;
    }
    expect(total).toBeGreaterThan(1000);
    expect(total).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const first = await getRaw(`${server.url}/`);
    const etag = first.headers.etag!;
    expect(etag).toBeTruthy();
    const again = await getRaw(`${server.url}/`, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});

describe('without the page', () => {
  it('SERVE_UI=false leaves / a 404 and the API working', async () => {
    const server = await startServer({ serveUi: false });
    try {
      const res = await fetch(`${server.url}/`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('not_found');
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  let proc: ServeProcess | undefined;
  afterAll(() => proc?.stop());
  it('frameforge serve --no-ui does the same', async () => {
    proc = await startServeProcess({}, ['--no-ui']);
    expect((await fetch(`${proc.url}/`)).status).toBe(404);
    expect((await fetch(`${proc.url}/api/health`)).status).toBe(200);
  });
});

describe('with access tokens', () => {
  it('answers the page and its assets without a token, and the API only with one', async () => {
    const token = 'page-test-token-0123456789abcdef0123456789';
    const server = await startServer({ serverTokens: [token] });
    try {
      const page = await getRaw(`${server.url}/`);
      expect(page.status).toBe(200);
      for (const asset of assetsOf(page.body.toString())) expect((await getRaw(`${server.url}${asset}`)).status, asset).toBe(200);
      const refused = await fetch(`${server.url}/api/providers/status`);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe('unauthorized');
      const allowed = await fetch(`${server.url}/api/providers/status`, { headers: { Authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
      // Open means the page's own paths only: an unknown path still needs the token.
      expect((await fetch(`${server.url}/assets/other.js`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('what the page reads from the API', () => {
  it('GET /api/providers/status says which providers are ready and the default', async () => {
    const server = await startServer({ defaultProvider: 'mock', falKey: 'fal-test-key' });
    try {
      const body = (await (await fetch(`${server.url}/api/providers/status`)).json()) as { default: string; providers: { id: string }[] };
      expect(body.default).toBe('mock');
      const byId = new Map(body.providers.map((p: { id: string }) => [p.id, p]));
      expect(byId.get('mock')).toMatchObject({ ready: true, default: true, kind: 'mock' });
      expect(byId.get('google')).toMatchObject({ ready: false, needs: 'GOOGLE_API_KEY (or GEMINI_API_KEY)' });
      expect(byId.get('fal:fal-ai/flux-kontext/dev')).toMatchObject({ ready: true, kind: 'fal' });
      expect(JSON.stringify(body)).not.toContain('fal-test-key');
    } finally {
      await server.close();
    }
  });
});
