/**
 * The `fetch` FrameForge hands to both SDKs. It is where the edit's one
 * AbortSignal meets the wire:
 * - a request is never started once the edit is cancelled or past its
 *   deadline, so after Ctrl-C nothing more reaches the provider, whatever the
 *   SDK would do next (fal's result fetch, for one, ignores its abortSignal);
 * - every request carries the edit signal, so in-flight calls stop too;
 * - the last response's `Retry-After` is remembered, because neither SDK's
 *   error exposes response headers.
 * It uses undici's fetch with header/body timeouts off, as @google/genai does
 * by default: a model may think for minutes, and the edit deadline bounds it.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { parseRetryAfter } from './provider-errors.js';

let agent: Agent | undefined;

function sharedAgent(): Agent {
  agent ??= new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  return agent;
}

export interface GuardedFetch {
  fetch: typeof fetch;
  /** Seconds from the most recent response's Retry-After, if it had one. */
  lastRetryAfter(): number | undefined;
}

export function guardedFetch(signal: AbortSignal): GuardedFetch {
  let retryAfter: number | undefined;
  const guarded = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    signal.throwIfAborted();
    const url = input instanceof Request ? input.url : String(input);
    const signals = init.signal ? [init.signal, signal] : [signal];
    const response = (await undiciFetch(url, {
      ...(init as object),
      signal: AbortSignal.any(signals),
      dispatcher: sharedAgent(),
    } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
    retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    return response;
  };
  return { fetch: guarded as typeof fetch, lastRetryAfter: () => retryAfter };
}
