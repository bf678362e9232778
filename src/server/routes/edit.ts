/**
 * POST /api/edit: a thin door onto the same core `frameforge edit` calls.
 * First takes an edit slot (admission control: a full server answers 503
 * before reading any of the body), then reads the form (streamed, limited,
 * at a minimum rate), resolves the provider with this
 * request's keys, runs editImage under the request's signal (a closed
 * connection cancels the provider call), and answers the image bytes.
 */
import type { Config } from '../../core/config.js';
import { editImage } from '../../core/edit.js';
import { FrameForgeError } from '../../core/errors.js';
import { resolveProvider } from '../../providers/registry.js';
import type { MultipartLimits } from '../multipart.js';
import { createAdmission, type Admission } from '../policies/admission.js';
import { admit, formOptionsOf } from './admit.js';
import { keysFromHeaders } from '../policies/request-keys.js';
import { readEditForm } from './edit-form.js';
import { sendImage } from './send-image.js';
import type { Handler, RequestContext } from './types.js';

export { IMAGE_FIELDS, isTrue } from './edit-form.js';

export interface EditRouteOptions {
  config: Config;
  limits: MultipartLimits;
  uploadIdleMs: number;
  /** The window MIN_UPLOAD_BYTES_PER_SECOND is averaged over (30 s; tests shorten it). */
  uploadRateWindowMs?: number;
  /** Edit slots shared with other doors; one from MAX_CONCURRENT_EDITS / MAX_QUEUED_EDITS otherwise. */
  admission?: Admission;
  /** The registry's resolveProvider; tests pass a wrapper to see what the route asked for. */
  resolveProvider?: typeof resolveProvider;
}

export function editHandler(options: EditRouteOptions): Handler {
  const { config } = options;
  const resolve = options.resolveProvider ?? resolveProvider;
  const admission = options.admission ?? createAdmission({ maxActive: config.maxConcurrentEdits, maxQueued: config.maxQueuedEdits });
  const formOptions = formOptionsOf(options);
  return async (ctx) => {
    const release = await admit(admission, ctx);
    try {
      await edit(ctx);
    } finally {
      release();
    }
  };

  async function edit(ctx: RequestContext): Promise<void> {
    const { req, res } = ctx;
    const keys = keysFromHeaders(req.headers);
    const { image, references, provider, prompt, disclosure, label, cache, options: editOptions, variations } = await readEditForm(req, formOptions);
    if (variations > 1) {
      // One request, one image: several are a job's results, fetched one by one.
      throw new FrameForgeError('invalid_option', `POST /api/edit answers one image; for variations=${variations} submit the same form to POST /api/jobs and fetch /api/jobs/{id}/result/1 to /result/${variations}.`, {
        subject: 'variations',
      });
    }
    const resolved = await resolve(provider, config, keys, { serverKeys: !config.requireClientKeys });
    const outcome = await editImage(
      resolved,
      {
        image,
        references,
        ...(prompt !== undefined ? { prompt } : {}),
        options: editOptions,
        disclosure,
        ...(label ? { label } : {}),
        ...(cache ? {} : { cache: false }),
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
  }
}
