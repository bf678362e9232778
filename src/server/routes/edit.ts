/**
 * POST /api/edit: a thin door onto the same core `frameforge edit` calls.
 * Reads the form (streamed, limited), resolves the provider with this
 * request's keys, runs editImage under the request's signal (a closed
 * connection cancels the provider call), and answers the image bytes.
 */
import type { Config } from '../../core/config.js';
import { editImage, type ImageInput } from '../../core/edit.js';
import { FrameForgeError } from '../../core/errors.js';
import { buildStagingPrompt } from '../../core/staging/prompt.js';
import { resolveProvider } from '../../providers/registry.js';
import { readMultipart, type MultipartLimits } from '../multipart.js';
import { keysFromHeaders } from '../policies/request-keys.js';
import type { Handler } from './types.js';

/** `images` is the contract's field; older clients send `image` or `image[]`. */
export const IMAGE_FIELDS: ReadonlySet<string> = new Set(['images', 'image', 'image[]', 'images[]']);

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
    const form = await readMultipart(req, { limits: options.limits, fileFields: IMAGE_FIELDS, idleMs: options.uploadIdleMs });
    const [image, ...references] = form.files.map((f): ImageInput => ({ data: f.data, name: f.name }));
    if (!image) {
      throw new FrameForgeError('missing_image', 'No image was sent.', {
        subject: 'images',
        hint: 'Send the photo as a file in the form field "images".',
      });
    }
    const resolved = await resolve(form.fields.get('provider'), config, keys, { serverKeys: !config.requireClientKeys });
    const userPrompt = form.fields.get('prompt');
    const staging = {
      room: form.fields.get('room'),
      style: form.fields.get('style'),
      declutter: isTrue(form.fields.get('declutter'), 'declutter'),
    };
    const prompt = buildStagingPrompt({ ...staging, prompt: userPrompt }, { room: 'room', style: 'style' }) ?? userPrompt;
    const outcome = await editImage(
      resolved,
      {
        image,
        references,
        ...(prompt !== undefined ? { prompt } : {}),
        disclosure: form.fields.get('disclosure') === undefined || isTrue(form.fields.get('disclosure'), 'disclosure'),
        signal: ctx.signal,
      },
      config,
    );
    ctx.addLogFields({
      provider: outcome.providerId,
      images: form.files.length,
      ...(outcome.mock ? { mock: true } : {}),
      ...(outcome.fallback ? { fallback: outcome.fallback } : {}),
    });
    // The DEV_MODE fallback is among these: contract 1 wants it logged.
    for (const warning of outcome.warnings) ctx.log.log('warn', 'edit warning', { requestId: ctx.requestId, warning }, ctx.secrets);
    ctx.signal.throwIfAborted();
    res.statusCode = 200;
    res.setHeader('Content-Type', outcome.mimeType);
    res.setHeader('Content-Length', outcome.data.length);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-FrameForge-Provider', outcome.providerId);
    if (outcome.mock) res.setHeader('X-FrameForge-Mock', 'true');
    if (outcome.fallback) res.setHeader('X-FrameForge-Fallback', outcome.fallback);
    res.end(outcome.data);
  };
}

/** A form checkbox: `true`/`1`/`on`/`yes` or `false`/`0`/`off`/`no`/empty; anything else is refused. */
export function isTrue(value: string | undefined, field: string): boolean {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'false' || v === '0' || v === 'off' || v === 'no') return false;
  if (v === 'true' || v === '1' || v === 'on' || v === 'yes') return true;
  throw new FrameForgeError('bad_request', `The form field "${field}" must be true or false; got "${value}".`, { subject: field });
}
