/**
 * POST /api/edit: a thin door onto the same core `frameforge edit` calls.
 * Reads the form (streamed, limited), resolves the provider with this
 * request's keys, runs editImage under the request's signal (a closed
 * connection cancels the provider call), and answers the image bytes.
 */
import type { Config } from '../../core/config.js';
import { editImage } from '../../core/edit.js';
import { resolveProvider } from '../../providers/registry.js';
import type { MultipartLimits } from '../multipart.js';
import { keysFromHeaders } from '../policies/request-keys.js';
import { readEditForm } from './edit-form.js';
import { sendImage } from './send-image.js';
import type { Handler } from './types.js';

export { IMAGE_FIELDS, isTrue } from './edit-form.js';

export interface EditRouteOptions {
  config: Config;
  limits: MultipartLimits;
  uploadIdleMs: number;
  /** The registry's resolveProvider; tests pass a wrapper to see what the route asked for. */
  resolveProvider?: typeof resolveProvider;
}

export function editHandler(options: EditRouteOptions): Handler {
  const { config } = options;
  const resolve = options.resolveProvider ?? resolveProvider;
  return async (ctx) => {
    const { req, res } = ctx;
    const keys = keysFromHeaders(req.headers);
    const { image, references, provider, prompt, disclosure, label } = await readEditForm(req, options);
    const resolved = await resolve(provider, config, keys, { serverKeys: !config.requireClientKeys });
    const outcome = await editImage(
      resolved,
      {
        image,
        references,
        ...(prompt !== undefined ? { prompt } : {}),
        disclosure,
        ...(label ? { label } : {}),
        signal: ctx.signal,
      },
      config,
    );
    ctx.addLogFields({
      provider: outcome.providerId,
      images: 1 + references.length,
      ...(outcome.mock ? { mock: true } : {}),
      ...(outcome.fallback ? { fallback: outcome.fallback } : {}),
    });
    // The DEV_MODE fallback is among these: contract 1 wants it logged.
    for (const warning of outcome.warnings) ctx.log.log('warn', 'edit warning', { requestId: ctx.requestId, warning }, ctx.secrets);
    ctx.signal.throwIfAborted();
    sendImage(res, outcome);
  };
}
