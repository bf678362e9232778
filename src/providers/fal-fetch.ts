/**
 * The fetch given to @fal-ai/client. On top of sdk-fetch's guard (no request
 * after cancellation), it makes every SDK call exactly one HTTP attempt.
 *
 * Why: the client retries queue calls internally (submit/result 3 times,
 * status polls 5 times, with 1-30 s backoff) and ignores
 * `config.retry.maxRetries` for them (provider-protocols B.6). Under our own
 * retries in the core that would multiply into minutes of hidden waiting and
 * a budget no setting controls. So a retryable answer (429, 5xx) or a network
 * failure is thrown here as an error the client does not recognise as
 * retryable, and the core's withRetry, bounded by MAX_RETRIES,
 * MAX_RETRY_WAIT_SECONDS and the edit deadline, decides, the same as for Gemini.
 */
import { isAbortError } from '../core/errors.js';
import { guardedFetch } from './sdk-fetch.js';

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/** A retryable HTTP answer from fal, kept out of the client's retry loop. */
export class FalHttpFailure extends Error {
  override readonly name = 'FalHttpFailure';
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly retryAfter: number | undefined,
  ) {
    super(`fal answered HTTP ${status}`);
  }
}

/**
 * A network failure. The original error is `original`, not `cause`: the
 * client walks `cause` chains looking for ECONNRESET and friends to retry on.
 */
export class FalNetworkFailure extends Error {
  override readonly name = 'FalNetworkFailure';
  constructor(readonly original: unknown) {
    super('could not reach fal');
  }
}

/** fal's answer body: parsed JSON, else its text (a proxy's HTML page, an empty body). */
export async function readFalBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function falFetch(signal: AbortSignal): typeof fetch {
  const guarded = guardedFetch(signal);
  return (async (input: string | URL | Request, init?: RequestInit) => {
    let response: Response;
    try {
      response = await guarded.fetch(input, init);
    } catch (error) {
      if (isAbortError(error)) throw error;
      throw new FalNetworkFailure(error);
    }
    if (RETRYABLE.has(response.status)) {
      throw new FalHttpFailure(response.status, await readFalBody(response), guarded.lastRetryAfter());
    }
    return response;
  }) as typeof fetch;
}
