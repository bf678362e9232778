/**
 * Fetches a model's output image from the URL the provider returned. The URL
 * comes from a remote service, so it is held to what an image result can be:
 * a `data:` URI (decoded here, nothing fetched) or an https: URL on a public
 * address (safe-url.ts: http: and private addresses only on an allowed host,
 * the host of FAL_PROXY_URL or one in FAL_ALLOWED_RESULT_HOSTS). The
 * connection goes to the addresses that were checked, redirects are followed
 * by hand and each is checked again, and a refused URL is never requested.
 * The body is read as a stream with a byte cap so a wrong or hostile URL
 * cannot fill memory, and cut off by the edit's signal.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { FrameForgeError, isAbortError } from '../core/errors.js';
import { unreachableError } from './provider-errors.js';
import { assertSafeUrl, pinnedLookup, UnsafeUrlError, type Resolved, type SafeUrlOptions } from './safe-url.js';

export const MAX_RESULT_BYTES = 50 * 1024 * 1024;
/** Redirects followed, each checked; fal's CDN answers directly. */
const MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export interface Downloaded {
  data: Buffer;
  /** From the response or the data URI, when it says. */
  mimeType?: string;
}

function tooLarge(providerId: string, maxBytes: number): FrameForgeError {
  return new FrameForgeError(
    'provider_rejected',
    `The result from ${providerId} is larger than ${Math.round(maxBytes / 1048576)} MB; refused.`,
  );
}

function fromDataUri(uri: string, providerId: string, maxBytes: number): Downloaded {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(uri);
  if (!match) throw new FrameForgeError('provider_error', `${providerId} returned a malformed data: URI.`);
  const [, mime, params, payload] = match;
  const base64 = params!.includes(';base64');
  // Base64 grows by 4/3, percent-encoding by at most 3; check before decoding so a huge URI is never decoded.
  if (payload!.length > (base64 ? Math.ceil(maxBytes / 3) * 4 + 4 : maxBytes * 3)) throw tooLarge(providerId, maxBytes);
  const data = base64 ? Buffer.from(payload!, 'base64') : percentDecode(payload!, providerId);
  if (data.length > maxBytes) throw tooLarge(providerId, maxBytes);
  return { data, ...(mime ? { mimeType: mime } : {}) };
}

/**
 * A data: URI's `%XX` is one octet (RFC 2397, https://www.rfc-editor.org/rfc/rfc2397,
 * and the WHATWG fetch data: URL processor), not UTF-8: `%89PNG` or `%FF` is
 * the byte as sent, where decodeURIComponent would throw a bare URIError. A
 * `%` without two hex digits after it is a malformed URI, refused by name.
 */
function percentDecode(payload: string, providerId: string): Buffer {
  const text = Buffer.from(payload, 'utf8');
  const out = Buffer.allocUnsafe(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== 0x25) {
      out[length++] = text[i]!;
      continue;
    }
    const escape = text.subarray(i + 1, i + 3).toString('latin1');
    if (!/^[0-9a-fA-F]{2}$/.test(escape)) {
      throw new FrameForgeError(
        'provider_error',
        `${providerId} returned a result URL (a data: URI) with a malformed percent escape "%${escape}" at character ${i} of its payload.`,
        { subject: 'result URL' },
      );
    }
    out[length++] = Number.parseInt(escape, 16);
    i += 2;
  }
  return out.subarray(0, length);
}

export interface DownloadOptions {
  providerId: string;
  signal: AbortSignal;
  maxBytes?: number;
  /** Hosts that may be http: and private (`host` or `host:port`): FAL_PROXY_URL's, FAL_ALLOWED_RESULT_HOSTS. */
  allowedHosts?: readonly string[];
  /** DNS for the address check (tests). */
  lookup?: SafeUrlOptions['lookup'];
}

function refused(providerId: string, error: UnsafeUrlError): FrameForgeError {
  return new FrameForgeError('result_url_refused', `${providerId} named a result URL on ${error.host} that FrameForge does not fetch: ${error.reason}. Nothing was fetched.`, {
    subject: error.host,
    cause: error,
    hint: 'If that host is yours (a proxy or gateway), add it to FAL_ALLOWED_RESULT_HOSTS.',
  });
}

export async function downloadResult(url: string, options: DownloadOptions): Promise<Downloaded> {
  const { providerId, signal } = options;
  const maxBytes = options.maxBytes ?? MAX_RESULT_BYTES;
  if (url.startsWith('data:')) return fromDataUri(url, providerId, maxBytes);
  const safety: SafeUrlOptions = { allowedHosts: options.allowedHosts ?? [], ...(options.lookup ? { lookup: options.lookup } : {}) };
  // The addresses each checked hostname resolved to: connections go there and nowhere else.
  const pins = new Map<string, Resolved[]>();
  const agent = new Agent({ connect: { lookup: pinnedLookup(pins) } });
  try {
    let target = url;
    for (let hop = 0; ; hop++) {
      let checked;
      try {
        checked = await assertSafeUrl(target, safety);
      } catch (error) {
        throw error instanceof UnsafeUrlError ? refused(providerId, error) : error;
      }
      if (checked.addresses.length > 0) pins.set(checked.url.hostname.toLowerCase(), checked.addresses);
      signal.throwIfAborted();
      let response: Response;
      try {
        response = (await undiciFetch(checked.url, { signal, redirect: 'manual', dispatcher: agent })) as unknown as Response;
      } catch (error) {
        throw isAbortError(error) ? error : unreachableError(`the result host ${checked.url.host}`, providerId, error);
      }
      const location = REDIRECT.has(response.status) ? response.headers.get('location') : null;
      if (!location) return await readBody(response, providerId, maxBytes);
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new FrameForgeError('provider_error', `The result of ${providerId} redirected more than ${MAX_REDIRECTS} times.`);
      target = new URL(location, checked.url).href;
    }
  } finally {
    void agent.close().catch(() => undefined);
  }
}

async function readBody(response: Response, providerId: string, maxBytes: number): Promise<Downloaded> {
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new FrameForgeError('provider_error', `Downloading the result of ${providerId} failed (HTTP ${response.status}).`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw tooLarge(providerId, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(providerId, maxBytes);
    }
    chunks.push(value);
  }
  const mimeType = response.headers.get('content-type')?.split(';')[0]?.trim();
  return { data: Buffer.concat(chunks), ...(mimeType ? { mimeType } : {}) };
}
