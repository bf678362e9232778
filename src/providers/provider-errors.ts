/**
 * Maps a provider's HTTP failure to a FrameForgeError, the same way for every
 * provider, so `withRetry` and the server see one vocabulary (contract 3):
 * bad key -> invalid_api_key 401, quota -> provider_rate_limited 429 with the
 * provider's retry time, refusal -> model_refused 422, provider 5xx -> 502,
 * network -> provider_unreachable. The provider's own words go into the
 * message (scrubbed of the key) and its error stays as `cause`.
 */
import { FrameForgeError, type ErrorCode } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';

export interface ProviderFailure {
  /** `Gemini` or `fal`, for messages. */
  service: string;
  /** The provider id the user asked for. */
  providerId: string;
  status: number;
  /** What the provider said, already a readable sentence or short JSON. */
  providerMessage?: string;
  retryAfter?: number;
  /** Where the key comes from, for a 401/403 hint. */
  keyHint: string;
  cause: unknown;
  /** A refusal (content policy) rather than a malformed request. */
  refused?: boolean;
  /** The provider said the key itself is bad, whatever the status (Gemini answers 400). */
  badKey?: boolean;
}

function codeFor(failure: ProviderFailure): ErrorCode {
  const { status } = failure;
  if (failure.badKey || status === 401 || status === 403) return 'invalid_api_key';
  if (status === 429) return 'provider_rate_limited';
  if (status === 404) return 'unknown_provider';
  if (status === 408) return 'provider_timeout';
  if (status === 422 && failure.refused) return 'model_refused';
  if (status >= 500) return 'provider_error';
  return 'provider_rejected';
}

const LEAD: Partial<Record<ErrorCode, string>> = {
  invalid_api_key: 'rejected the API key',
  provider_rate_limited: 'is rate limiting this key (quota or too many requests)',
  unknown_provider: 'does not know this model',
  model_refused: 'refused the request',
  provider_error: 'failed',
  provider_timeout: 'timed out',
  provider_rejected: 'rejected the request',
};

export function providerHttpError(failure: ProviderFailure): FrameForgeError {
  const code = codeFor(failure);
  const said = failure.providerMessage ? `: ${truncate(failure.providerMessage)}` : '.';
  const message = `${failure.service} ${LEAD[code] ?? 'failed'} (HTTP ${failure.status}) for ${failure.providerId}${said}`;
  const hint =
    code === 'invalid_api_key'
      ? `Check ${failure.keyHint}.`
      : code === 'provider_rate_limited' && failure.retryAfter !== undefined
        ? `Try again in ${failure.retryAfter} s.`
        : undefined;
  return new FrameForgeError(code, message, {
    cause: failure.cause,
    ...(hint ? { hint } : {}),
    ...(failure.retryAfter !== undefined ? { retryAfter: failure.retryAfter } : {}),
  });
}

export function unreachableError(service: string, providerId: string, cause: unknown): FrameForgeError {
  const detail = networkCode(cause);
  return new FrameForgeError(
    'provider_unreachable',
    `Could not reach ${service} for ${providerId}${detail ? ` (${detail})` : ''}.`,
    { cause, hint: 'Check the network connection and any base or proxy URL setting.' },
  );
}

/** The first `code` (ECONNREFUSED, UND_ERR_SOCKET ...) in an error's cause chain. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function truncate(text: string, max = 400): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/**
 * Removes the key from an error chain's messages and stacks, in place. Providers
 * and proxies sometimes echo request details in error bodies, and `--verbose`
 * prints the whole chain: the key must not ride along.
 */
export function scrubSecret<T>(error: T, secret: string): T {
  let current: unknown = error;
  const seen = new Set<unknown>();
  for (let depth = 0; current instanceof Error && !seen.has(current) && depth < 8; depth++) {
    seen.add(current);
    current.message = redactSecrets(current.message, [secret], '***');
    if (current.stack) current.stack = redactSecrets(current.stack, [secret], '***');
    current = current.cause;
  }
  return error;
}
