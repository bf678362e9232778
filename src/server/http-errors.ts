/**
 * Every error answer is `{"detail", "code"}` (contract 3): `detail` is the
 * sentence the earlier web frontend shows, `code` is stable for scripts.
 * Unknown errors become 500 internal_error with a generic detail; their text
 * and stack go to the log only (never to the client).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FrameForgeError, toFrameForgeError } from '../core/errors.js';
import { sendJson } from './compress.js';

export interface ErrorBody {
  detail: string;
  code: string;
}

export function errorBody(error: FrameForgeError): ErrorBody {
  return { detail: error.detail, code: error.code };
}

/**
 * Sends `thrown` as an error answer, unless the answer has already begun
 * (then the connection is cut: a half-sent image must not look whole).
 * Resolves to the FrameForgeError that was (or would have been) sent, for the log.
 */
export async function sendError(req: IncomingMessage, res: ServerResponse, thrown: unknown): Promise<FrameForgeError> {
  const error = toFrameForgeError(thrown);
  if (res.headersSent) {
    res.destroy();
    return error;
  }
  if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(Math.max(0, Math.ceil(error.retryAfter))));
  res.setHeader('Cache-Control', 'no-store');
  // The edit's own headers (provider marks) belong to a success, not to this error.
  for (const name of res.getHeaderNames()) if (name.startsWith('x-frameforge-')) res.removeHeader(name);
  await sendJson(req, res, error.status, errorBody(error));
  return error;
}
