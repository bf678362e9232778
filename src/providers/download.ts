/**
 * Fetches a model's output image from the URL the provider returned. The URL
 * comes from a remote service, so it is held to what an image result can be:
 * http(s) or a `data:` URI only (never file:, never anything a proxy might
 * resolve locally), read as a stream with a byte cap so a wrong or hostile
 * URL cannot fill memory, and cut off by the edit's signal.
 */
import { FrameForgeError, isAbortError } from '../core/errors.js';
import { unreachableError } from './provider-errors.js';

export const MAX_RESULT_BYTES = 50 * 1024 * 1024;

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
  // Base64 grows by 4/3; check before decoding so a huge URI is never decoded.
  if (payload!.length > Math.ceil(maxBytes / 3) * 4 + 4) throw tooLarge(providerId, maxBytes);
  const data = params!.includes(';base64')
    ? Buffer.from(payload!, 'base64')
    : Buffer.from(decodeURIComponent(payload!), 'latin1');
  if (data.length > maxBytes) throw tooLarge(providerId, maxBytes);
  return { data, ...(mime ? { mimeType: mime } : {}) };
}

export async function downloadResult(
  url: string,
  options: { providerId: string; signal: AbortSignal; maxBytes?: number; fetch?: typeof fetch },
): Promise<Downloaded> {
  const { providerId, signal } = options;
  const maxBytes = options.maxBytes ?? MAX_RESULT_BYTES;
  if (url.startsWith('data:')) return fromDataUri(url, providerId, maxBytes);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FrameForgeError('provider_error', `${providerId} returned a result URL that is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FrameForgeError('provider_rejected', `${providerId} returned a ${parsed.protocol} result URL; only http(s) and data: are fetched.`);
  }
  signal.throwIfAborted();
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(parsed, { signal, redirect: 'follow' });
  } catch (error) {
    throw isAbortError(error) ? error : unreachableError(`the result host ${parsed.host}`, providerId, error);
  }
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
