/**
 * JSON answers, compressed (br, else gzip) when the client accepts it.
 * Images are never compressed: they are compressed already, and the work
 * would be spent for nothing. Bodies under 1 KB go as they are: the headers
 * would outweigh the saving (health and most errors are a few dozen bytes).
 * Fixed bodies (providers, the OpenAPI document) are compressed once and kept.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { FrameForgeResponse } from './response.js';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export const COMPRESS_THRESHOLD = 1024;

type Encoding = 'br' | 'gzip' | 'identity';

/** The best encoding the client accepts (q > 0); br first, it is smaller. */
export function pickEncoding(accept: string | undefined): Encoding {
  if (!accept) return 'identity';
  const accepted = new Set<string>();
  for (const part of accept.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    if (name) accepted.add(name.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

function encode(body: Buffer, encoding: Exclude<Encoding, 'identity'>): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : gzipAsync(body);
}

/** A JSON body whose compressed forms are made once, on first demand. */
export class JsonBody {
  readonly raw: Buffer;
  private readonly encoded = new Map<string, Promise<Buffer>>();

  constructor(value: unknown) {
    this.raw = Buffer.from(JSON.stringify(value));
  }

  get(encoding: Encoding): Promise<Buffer> | Buffer {
    if (encoding === 'identity' || this.raw.length < COMPRESS_THRESHOLD) return this.raw;
    let cached = this.encoded.get(encoding);
    if (!cached) {
      cached = encode(this.raw, encoding);
      this.encoded.set(encoding, cached);
    }
    return cached;
  }
}

/** Sends JSON; returns a promise only when the body must be compressed first. */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: JsonBody | unknown,
): Promise<void> | void {
  const json = body instanceof JsonBody ? body : undefined;
  const raw = json ? json.raw : Buffer.from(JSON.stringify(body));
  const encoding = raw.length < COMPRESS_THRESHOLD ? 'identity' : pickEncoding(req.headers['accept-encoding']);
  if (encoding === 'identity') return writeJson(res, status, raw, raw, encoding);
  const data = json ? json.get(encoding) : encode(raw, encoding);
  return Promise.resolve(data).then((encoded) => writeJson(res, status, raw, encoded, encoding));
}

const JSON_TYPE = 'application/json; charset=utf-8';

function writeJson(res: ServerResponse, status: number, raw: Buffer, data: Buffer, encoding: Encoding): void {
  if (res.headersSent || res.destroyed) return;
  if (res instanceof FrameForgeResponse && res.onlyEarlyHeaders) {
    // The whole head at once, with the early headers (response.ts): the fixed JSON routes, health included.
    const head = raw.length >= COMPRESS_THRESHOLD ? ['Vary', 'Accept-Encoding', 'Content-Type', JSON_TYPE] : ['Content-Type', JSON_TYPE];
    if (encoding !== 'identity') head.push('Content-Encoding', encoding);
    head.push('Content-Length', String(data.length));
    res.writeHead(status, head);
    res.end(data);
    return;
  }
  if (raw.length >= COMPRESS_THRESHOLD) res.appendHeader('Vary', 'Accept-Encoding');
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', data.length);
  res.end(data);
}
