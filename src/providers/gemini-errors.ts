/**
 * Turns whatever @google/genai throws into a FrameForgeError. The SDK throws
 * `ApiError` with `status` and the raw JSON body as `message`
 * (provider-protocols A.4); we read Google's `error.message`, the
 * `API_KEY_INVALID` reason (Google answers a bad key with 400, not 401), and
 * `RetryInfo.retryDelay`, falling back to a `Retry-After` header seen on the wire.
 * Aborts pass through untouched: the core decides between cancelled and timeout.
 */
import { ApiError } from '@google/genai';
import { FrameForgeError, isAbortError, isFrameForgeError } from '../core/errors.js';
import { DEFAULT_GEMINI_MODEL, GEMINI_PRO_MODEL, geminiModel } from './gemini-models.js';
import { providerHttpError, unreachableError } from './provider-errors.js';

export const GOOGLE_KEY_HINT = 'GOOGLE_API_KEY (or GEMINI_API_KEY), or the X-Google-API-Key header';

interface GoogleErrorBody {
  message?: string;
  status?: string;
  details?: { '@type'?: string; reason?: string; retryDelay?: string }[];
}

function parseBody(text: string): GoogleErrorBody | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: GoogleErrorBody };
    return parsed.error && typeof parsed.error === 'object' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** `"13s"`, `"1.5s"` (protobuf Duration JSON) as whole seconds, rounded up. */
export function parseRetryDelay(value: string | undefined): number | undefined {
  const match = value?.match(/^(\d+(?:\.\d+)?)s$/);
  return match ? Math.ceil(Number(match[1])) : undefined;
}

/** Where the request went: named in a model_not_found error, since the same id can exist on one version and not another. */
export interface GeminiTarget {
  model: string;
  apiVersion: string;
}

/**
 * Google's 404 NOT_FOUND for a model ("models/x is not found for API version
 * v1beta, or is not supported for generateContent"): a retired, mistyped or
 * preview-only id. The catalogue adds when Google shut it down and what replaced it.
 */
export function modelNotFound(target: GeminiTarget, providerId: string, cause: unknown): FrameForgeError {
  const known = geminiModel(target.model);
  const retired = known?.status === 'shut-down' || known?.status === 'deprecated'
    ? ` Google retired it (shutdown ${known.shutdown}); its replacement is ${known.replacement}.`
    : '';
  return new FrameForgeError(
    'model_not_found',
    `Gemini has no model "${target.model}" on API version ${target.apiVersion} (${providerId}).${retired}`,
    {
      subject: 'model',
      hint: `Use a current model: ${DEFAULT_GEMINI_MODEL} (google, nano-banana) or ${GEMINI_PRO_MODEL} (nano-banana-pro); check GOOGLE_MODEL_ID, and GOOGLE_API_VERSION (preview ids exist only on v1beta).`,
      cause,
    },
  );
}

export function mapGeminiError(error: unknown, providerId: string, headerRetryAfter?: number, target?: GeminiTarget): unknown {
  if (isAbortError(error) || isFrameForgeError(error)) return error;
  if (error instanceof ApiError) {
    const body = parseBody(error.message);
    if (target && error.status === 404) return modelNotFound(target, providerId, error);
    const details = body?.details ?? [];
    const retryDelay = parseRetryDelay(details.find((d) => d['@type']?.endsWith('RetryInfo'))?.retryDelay);
    const badKey =
      details.some((d) => d.reason === 'API_KEY_INVALID') || /API key not valid/i.test(body?.message ?? '');
    const retryAfter = retryDelay ?? headerRetryAfter;
    return providerHttpError({
      service: 'Gemini',
      providerId,
      status: error.status,
      providerMessage: body?.message ?? error.message,
      keyHint: GOOGLE_KEY_HINT,
      cause: error,
      badKey,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    return unreachableError('Gemini', providerId, error);
  }
  if (error instanceof SyntaxError) {
    return new FrameForgeError('provider_error', `Gemini answered ${providerId} with a response that is not JSON.`, {
      cause: error,
    });
  }
  const said = error instanceof Error ? `: ${error.message}` : '.';
  return new FrameForgeError('provider_rejected', `Gemini could not run the request for ${providerId}${said}`, {
    cause: error,
  });
}
