/**
 * Provider keys sent with one request (contract 3). They override the
 * configured keys for that request only: they live in the request's scope,
 * are handed to the registry, and are registered with the logger as secrets
 * so that no log line can carry them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderKeys } from '../providers/registry.js';

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

/** Every key-like value the request carried, to redact from logs whatever happens. */
export function requestSecrets(headers: IncomingHttpHeaders): string[] {
  const values = ['x-google-api-key', 'x-gemini-api-key', 'x-fal-key', 'authorization'].map((n) => header(headers, n));
  const secrets = values.filter((v): v is string => Boolean(v));
  // The bare key of `Authorization: Key k` / `Bearer k` too, not only the whole header value.
  for (const v of [...secrets]) {
    const token = /^\S+\s+(\S+)$/.exec(v)?.[1];
    if (token) secrets.push(token);
  }
  return secrets;
}
