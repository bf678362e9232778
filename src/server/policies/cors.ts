/**
 * CORS from ALLOWED_ORIGINS. The earlier backend's web frontend is served
 * from another origin during development and sends provider keys in headers,
 * so those headers must be allowed in preflights and our X-FrameForge-* marks
 * exposed to its scripts. `*` answers any origin without credentials (the
 * CORS spec forbids both together); listed origins are echoed with credentials.
 * An origin that is not allowed gets no CORS headers at all: the browser then
 * refuses, which is the point.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { earlyHeader, earlyVary } from '../response.js';

export const ALLOWED_REQUEST_HEADERS = [
  'Content-Type',
  'Authorization',
  'X-Google-API-Key',
  'X-Gemini-API-Key',
  'X-Fal-Key',
  'X-Request-Id',
];

export const EXPOSED_HEADERS = [
  'X-Request-Id',
  'X-FrameForge-Provider',
  'X-FrameForge-Mock',
  'X-FrameForge-Fallback',
  'Retry-After',
  'Content-Length',
];

const ALLOW_HEADERS = ALLOWED_REQUEST_HEADERS.join(', ');
const EXPOSE_HEADERS = EXPOSED_HEADERS.join(', ');
const PREFLIGHT_MAX_AGE = '600';

export interface Cors {
  /** Adds CORS headers to an ordinary response (before it is written). */
  apply(req: IncomingMessage, res: ServerResponse): void;
  /** Answers a preflight; true when the request was one. */
  preflight(req: IncomingMessage, res: ServerResponse, allowMethods: readonly string[]): boolean;
}

export function createCors(allowedOrigins: readonly string[]): Cors {
  const any = allowedOrigins.includes('*');
  const listed = new Set(allowedOrigins);

  /**
   * Sets Access-Control-Allow-Origin (and -Credentials for a listed origin)
   * when this request's origin may have them; false when it may not.
   */
  function allowOrigin(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    if (!origin) return false;
    // Early headers (response.ts): written with the status line, whatever answers.
    if (any) {
      earlyHeader(res, 'Access-Control-Allow-Origin', '*');
      return true;
    }
    earlyVary(res, 'Origin');
    if (!listed.has(origin)) return false;
    earlyHeader(res, 'Access-Control-Allow-Origin', origin);
    earlyHeader(res, 'Access-Control-Allow-Credentials', 'true');
    return true;
  }

  return {
    apply(req, res) {
      if (allowOrigin(req, res)) earlyHeader(res, 'Access-Control-Expose-Headers', EXPOSE_HEADERS);
    },
    preflight(req, res, allowMethods) {
      if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
      if (allowOrigin(req, res)) {
        res.setHeader('Access-Control-Allow-Methods', [...allowMethods, 'OPTIONS'].join(', '));
        res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
        res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE);
      }
      res.statusCode = 204;
      res.setHeader('Content-Length', '0');
      res.end();
      return true;
    },
  };
}
