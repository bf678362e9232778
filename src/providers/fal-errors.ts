/**
 * Turns whatever @fal-ai/client (or our fal fetch) throws into a
 * FrameForgeError. fal puts its words in `body.detail` (a string, or a list
 * of pydantic-style `{loc, msg, type}`), not in `message`, which is usually
 * just the HTTP status text (provider-protocols B.6). A 422 whose detail is a
 * `content_policy_violation` is the model refusing; other 422s are a request
 * the model could not take.
 */
import { ApiError } from '@fal-ai/client';
import { FrameForgeError, isAbortError, isFrameForgeError } from '../core/errors.js';
import { FalHttpFailure, FalNetworkFailure } from './fal-fetch.js';
import { providerHttpError, unreachableError } from './provider-errors.js';

export const FAL_KEY_HINT = 'FAL_KEY, or the X-Fal-Key header';

interface FieldError {
  loc?: unknown[];
  msg?: string;
  type?: string;
}

/** A readable sentence from a fal error body, and whether it is a content-policy refusal. */
export function describeFalBody(body: unknown): { text?: string; refused: boolean } {
  if (typeof body === 'string') return { text: body || undefined, refused: false };
  if (!body || typeof body !== 'object') return { refused: false };
  const detail = (body as { detail?: unknown }).detail;
  if (typeof detail === 'string') return { text: detail, refused: false };
  if (Array.isArray(detail)) {
    const errors = detail as FieldError[];
    const text = errors
      .map((e) => {
        const field = Array.isArray(e.loc) ? e.loc.filter((p) => p !== 'body').join('.') : '';
        return `${field ? `${field}: ` : ''}${e.msg ?? e.type ?? 'invalid'}`;
      })
      .join('; ');
    return { text, refused: errors.some((e) => e.type === 'content_policy_violation') };
  }
  const message = (body as { message?: unknown }).message;
  return { text: typeof message === 'string' ? message : JSON.stringify(body), refused: false };
}

export function mapFalError(error: unknown, providerId: string): unknown {
  if (isAbortError(error) || isFrameForgeError(error)) return error;
  if (error instanceof FalNetworkFailure) return unreachableError('fal', providerId, error.original);
  if (error instanceof FalHttpFailure || error instanceof ApiError) {
    const { text, refused } = describeFalBody(error.body);
    const retryAfter = error instanceof FalHttpFailure ? error.retryAfter : undefined;
    return providerHttpError({
      service: 'fal',
      providerId,
      status: error.status,
      keyHint: FAL_KEY_HINT,
      cause: error,
      refused,
      ...(text ? { providerMessage: text } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
  const said = error instanceof Error ? `: ${error.message}` : '.';
  return new FrameForgeError('provider_rejected', `fal could not run the request for ${providerId}${said}`, {
    cause: error,
  });
}
