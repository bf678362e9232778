/**
 * Provider keys sent with one request (contract 3). They override the
 * configured keys for that request only: they live in the request's scope,
 * are handed to the registry, and are registered with the logger as secrets
 * so that no log line can carry them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderKeys } from '../../providers/registry.js';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text : undefined;
}

export function keysFromHeaders(headers: IncomingHttpHeaders): ProviderKeys {
  const google = header(headers, 'x-google-api-key') ?? header(headers, 'x-gemini-api-key');
  // `Authorization: Key <k>` is fal's own scheme, and the earlier backend's convention.
  const authorization = /^Key\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '')?.[1];
  const fal = header(headers, 'x-fal-key') ?? authorization;
  return { ...(google ? { google } : {}), ...(fal ? { fal } : {}) };
}

const KEY_HEADERS = ['x-google-api-key', 'x-gemini-api-key', 'x-fal-key', 'authorization'] as const;
const NONE: readonly string[] = Object.freeze([]);

/**
 * Every key-like value the request carried, to redact from logs whatever
 * happens. Called for every request, and most (health checks, the provider
 * list) carry no key: they share one empty list.
 */
export function requestSecrets(headers: IncomingHttpHeaders): readonly string[] {
  let secrets: string[] | undefined;
  for (const name of KEY_HEADERS) {
    if (headers[name] === undefined) continue;
    const value = header(headers, name);
    if (!value) continue;
    (secrets ??= []).push(value);
    // The bare key of `Authorization: Key k` / `Bearer k` too, not only the whole header value.
    const token = /^\S+\s+(\S+)$/.exec(value)?.[1];
    if (token) secrets.push(token);
  }
  return secrets ?? NONE;
}
