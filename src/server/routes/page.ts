/**
 * GET / and its assets: the one static-file route. The page is the
 * API's own client; it is answered with a strict Content-Security-Policy
 * (no inline script or style, nothing from another origin), and compressed
 * when the browser accepts it (the forms were made at startup).
 */
import { pickEncoding } from '../compress.js';
import type { PageFile } from '../page/load-page.js';
import type { Handler } from './types.js';

/**
 * Scripts, styles and images from this server only; blob: for the photos the
 * page shows from memory; requests only to this API; no frames, forms or base.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function pageFileHandler(file: PageFile): Handler {
  const isPage = file.urlPath === '/';
  return ({ req, res }) => {
    res.setHeader('Cache-Control', file.cacheControl);
    res.setHeader('ETag', file.etag);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (isPage) {
      res.setHeader('Content-Security-Policy', PAGE_CSP);
      res.setHeader('Referrer-Policy', 'no-referrer');
    }
    if (req.headers['if-none-match']?.includes(file.etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    const encoding = pickEncoding(req.headers['accept-encoding']);
    const body = encoding === 'br' ? file.br : encoding === 'gzip' ? file.gzip : file.identity;
    res.statusCode = 200;
    res.setHeader('Content-Type', file.contentType);
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };
}
