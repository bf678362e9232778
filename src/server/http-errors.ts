/**
 * Every error answer is `{"detail", "code"}` (contract 3): `detail` is the
 * sentence the earlier web frontend shows, `code` is stable for scripts.
 * Unknown errors reach here already made 500 internal_error with a generic
 * detail (RequestScope.fail); their text and stack go to the log only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FrameForgeError } from '../core/errors.js';
import { sendJson } from './compress.js';

/**
 * Sends `error` as an error answer, unless the answer has already begun
 * (then the connection is cut: a half-sent image must not look whole).
 */
export async function sendError(req: IncomingMessage, res: ServerResponse, error: FrameForgeError): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(Math.max(0, Math.ceil(error.retryAfter))));
  res.setHeader('Cache-Control', 'no-store');
  // The edit's own headers (provider marks) belong to a success, not to this error.
  for (const name of res.getHeaderNames()) if (name.startsWith('x-frameforge-')) res.removeHeader(name);
  await sendJson(req, res, error.status, { detail: error.detail, code: error.code });
}
