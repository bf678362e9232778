/**
 * One error type for everything FrameForge refuses or fails at.
 *
 * Every error carries a stable `code` (snake_case, part of the public API: the
 * server sends it as `code`, scripts match on it), the HTTP status it maps to,
 * the CLI exit code, an optional `hint` (what to do about it) and the `cause`
 * it wraps. Messages are written for the person reading them and must never
 * contain a secret.
 */

interface CodeSpec {
  readonly status: number;
  /** 2 = usage or configuration error; 1 = this edit failed. */
  readonly exit: 1 | 2;
  /** Worth trying again later (rate limits, provider outages, timeouts). */
  readonly retryable?: boolean;
}

export const ERROR_CODES = {
  // Usage and configuration: exit 2.
  usage: { status: 400, exit: 2 },
  invalid_config: { status: 500, exit: 2 },
  input_not_found: { status: 400, exit: 2 },
  input_unreadable: { status: 400, exit: 2 },
  unknown_provider: { status: 404, exit: 2 },
  invalid_provider_id: { status: 400, exit: 2 },
  missing_api_key: { status: 401, exit: 2 },
  invalid_api_key: { status: 401, exit: 2 },
  unsupported_option: { status: 400, exit: 2 },
  /** An option value the chosen model cannot take (an aspect ratio, a size): refused before any network call. */
  invalid_option: { status: 400, exit: 2 },
  /** The provider has no such model (Gemini 404 NOT_FOUND): a retired or mistyped id, or the wrong API version. */
  model_not_found: { status: 400, exit: 2 },
  /** A text-to-image endpoint given to `edit`: it would ignore the photo. */
  not_an_edit_model: { status: 400, exit: 2 },

  // Bad input images: this item fails, the others go on.
  bad_request: { status: 400, exit: 1 },
  missing_image: { status: 400, exit: 1 },
  empty_file: { status: 400, exit: 1 },
  unsupported_image: { status: 415, exit: 1 },
  corrupt_image: { status: 400, exit: 1 },
  image_too_large: { status: 413, exit: 1 },
  file_too_large: { status: 413, exit: 1 },
  request_too_large: { status: 413, exit: 1 },
  too_many_parts: { status: 413, exit: 1 },
  too_many_images: { status: 400, exit: 1 },

  // The provider's answer.
  model_refused: { status: 422, exit: 1 },
  provider_rejected: { status: 400, exit: 1 },
  provider_rate_limited: { status: 429, exit: 1, retryable: true },
  provider_error: { status: 502, exit: 1, retryable: true },
  provider_unreachable: { status: 502, exit: 1, retryable: true },
  provider_timeout: { status: 504, exit: 1, retryable: true },
  result_url_refused: { status: 502, exit: 1 },

  // The HTTP server's own answers.
  not_found: { status: 404, exit: 1 },
  method_not_allowed: { status: 405, exit: 1 },
  unauthorized: { status: 401, exit: 1 },
  request_timeout: { status: 408, exit: 1 },
  headers_too_large: { status: 431, exit: 1 },
  rate_limited: { status: 429, exit: 1, retryable: true },
  service_unavailable: { status: 503, exit: 1, retryable: true },
  server_busy: { status: 503, exit: 1, retryable: true },

  // Jobs.
  not_ready: { status: 409, exit: 1, retryable: true },
  job_cancelled: { status: 410, exit: 1 },
  job_keys_need_secret: { status: 400, exit: 2 },
  /** `--queue`'s Redis does not answer: nothing was queued. */
  queue_unreachable: { status: 503, exit: 2 },
  /** webhook_url names a host outside WEBHOOK_ALLOWED_HOSTS, or one that fails the address check. */
  webhook_url_refused: { status: 400, exit: 2 },
  /** webhook_url given but the server has no WEBHOOK_SECRET to sign with. */
  webhook_needs_secret: { status: 400, exit: 2 },

  // Output and lifecycle.
  output_error: { status: 500, exit: 1 },
  cancelled: { status: 499, exit: 1 },
  /** --max-cost: this item would take the batch past the budget, so it was not started. */
  budget_exceeded: { status: 402, exit: 1 },
  internal_error: { status: 500, exit: 1 },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FrameForgeErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Seconds the caller should wait before retrying (429 / 503). */
  retryAfter?: number;
  /** The file, field or setting the error is about, for messages and logs. */
  subject?: string;
}

export class FrameForgeError extends Error {
  override readonly name = 'FrameForgeError';
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly retryAfter?: number;
  readonly subject?: string;

  constructor(code: ErrorCode, message: string, options: FrameForgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.subject !== undefined) this.subject = options.subject;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get exitCode(): 1 | 2 {
    return ERROR_CODES[this.code].exit;
  }

  get retryable(): boolean {
    return 'retryable' in ERROR_CODES[this.code];
  }

  /** The message with its hint, as one line for a person. */
  get detail(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isFrameForgeError(value: unknown): value is FrameForgeError {
  return value instanceof FrameForgeError;
}

/** True for the errors an AbortSignal produces (our own cancel or a timeout). */
export function isAbortError(value: unknown): boolean {
  return (
    value instanceof Error && (value.name === 'AbortError' || value.name === 'TimeoutError')
  );
}

/**
 * Wrap anything thrown into a FrameForgeError. Unknown errors become
 * `internal_error` with a generic message: their text may hold internals
 * (paths, stack details) that must not reach a client, so it lives only in `cause`.
 */
export function toFrameForgeError(value: unknown): FrameForgeError {
  if (value instanceof FrameForgeError) return value;
  if (isAbortError(value)) {
    return new FrameForgeError('cancelled', 'The operation was cancelled.', { cause: value });
  }
  return new FrameForgeError('internal_error', 'An unexpected error occurred inside FrameForge.', {
    cause: value,
  });
}
