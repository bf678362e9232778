/**
 * What POST /api/edit and POST /api/jobs do alike before they read an upload:
 * take an edit slot (a full server answers 503 before any of the body is
 * read), and read the form under the same limits and minimum upload rate.
 */
import type { Config } from '../../core/config.js';
import type { MultipartLimits } from '../multipart.js';
import type { Admission, Release } from '../policies/admission.js';
import type { EditFormOptions } from './edit-form.js';
import type { RequestContext } from './types.js';

/** 30 s, the window: long enough that a mobile upload's pauses average out. */
export const DEFAULT_UPLOAD_RATE_WINDOW_MS = 30_000;

export interface UploadOptions {
  config: Config;
  limits: MultipartLimits;
  uploadIdleMs: number;
  /** The window MIN_UPLOAD_BYTES_PER_SECOND is averaged over (30 s; tests shorten it). */
  uploadRateWindowMs?: number;
}

export function formOptionsOf(options: UploadOptions): EditFormOptions {
  return {
    limits: options.limits,
    uploadIdleMs: options.uploadIdleMs,
    minUploadBytesPerSecond: options.config.minUploadBytesPerSecond,
    uploadRateWindowMs: options.uploadRateWindowMs ?? DEFAULT_UPLOAD_RATE_WINDOW_MS,
  };
}

/**
 * Waits for an edit slot. A full queue throws server_busy now (the body is
 * never read); while queued the request is marked, so that its deadline
 * answers 503 rather than a 408 about an upload we never started reading.
 */
export async function admit(admission: Admission, ctx: RequestContext): Promise<Release> {
  const entered = admission.enter(ctx.signal);
  if (typeof entered === 'function') return entered;
  const since = performance.now();
  ctx.queued = true;
  ctx.log.debug('edit queued', { requestId: ctx.requestId, active: admission.active, queued: admission.queued });
  try {
    return await entered;
  } finally {
    ctx.queued = false;
    ctx.addLogFields({ queuedMs: Math.round(performance.now() - since) });
  }
}
