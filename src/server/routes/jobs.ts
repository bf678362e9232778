/**
 * The jobs API: POST /api/jobs takes the same form as POST /api/edit and
 * answers 202 at once; GET /api/jobs/{id} shows the job (with `?wait=N`,
 * once it has ended or after N seconds), GET .../result
 * gives the image once it is there, DELETE cancels. The routes speak only to
 * the JobQueue interface, whichever backend runs the jobs.
 */
import type { Config } from '../../core/config.js';
import { FrameForgeError } from '../../core/errors.js';
import { isJobId } from '../../jobs/job-id.js';
import { publicRecord, resultUrls } from '../../jobs/records.js';
import { type JobPlace, type JobQueue, type JobRecord } from '../../jobs/types.js';
import { waitForEnd } from '../../jobs/wait-for-end.js';
import { checkWebhookUrl } from '../../jobs/webhook-delivery.js';
import { checkOptionsFor } from '../../providers/option-checks.js';
import { keyFor, missingKeyError, parseProvider } from '../../providers/registry.js';
import { sendJson } from '../compress.js';
import { createAdmission, type Admission } from '../policies/admission.js';
import { keysFromHeaders } from '../policies/request-keys.js';
import { admit, formOptionsOf, type UploadOptions } from './admit.js';
import { readEditForm } from './edit-form.js';
import { sendImage } from './send-image.js';
import type { Handler, RequestContext } from './types.js';

/** How long a client polling a queued or running job is asked to wait. */
const POLL_AFTER_SECONDS = 2;

export interface JobRouteOptions extends UploadOptions {
  config: Config;
  jobs: JobQueue;
  /** The edit slots a job's upload takes, shared with POST /api/edit (and embedded jobs). */
  admission?: Admission;
}

export const jobPaths = (id: string) => ({ status_url: `/api/jobs/${id}`, result_url: `/api/jobs/${id}/result` });

/** The job as GET /api/jobs/{id} shows it: with its variation count and the URL of each result. */
function jobView(record: JobRecord): Record<string, unknown> {
  return { ...publicRecord(record), variations: record.variations ?? 1, result_urls: resultUrls(record) };
}

function notFound(id: string): FrameForgeError {
  return new FrameForgeError('not_found', `There is no job ${id.slice(0, 40)}.`, {
    subject: 'id',
    hint: 'Jobs are kept for JOB_TTL_SECONDS after they end; an embedded server forgets them when it restarts.',
  });
}

/** The job id in the path; anything that is no job id is answered as a missing job. */
function pathJobId(ctx: RequestContext): string {
  const id = ctx.params.id ?? '';
  if (!isJobId(id)) throw notFound(id);
  return id;
}

/** Whether this client may see the job. Another token's job answers exactly like a missing one: its existence is not this client's to learn. */
function mayView(ctx: RequestContext, record: JobRecord): boolean {
  return record.owner === ctx.tokenId;
}

/** The job named in the path, if it exists and this client may see it. */
async function findJob(ctx: RequestContext, jobs: JobQueue): Promise<JobRecord> {
  const id = pathJobId(ctx);
  const record = await jobs.status(id);
  if (!record || !mayView(ctx, record)) throw notFound(id);
  return record;
}

export function submitJobHandler(options: JobRouteOptions): Handler {
  const { config, jobs } = options;
  const admission = options.admission ?? createAdmission({ maxActive: config.maxConcurrentEdits, maxQueued: config.maxQueuedEdits });
  const formOptions = formOptionsOf(options);
  return async (ctx) => {
    // Embedded, the job's own place among the edit slots, kept until it ends; with Redis (the
    // workers are elsewhere) a slot for the upload only. Either way a full server refuses
    // before reading the body, as /api/edit does.
    const held: { place?: JobPlace | undefined } = { place: jobs.reserve?.() };
    const release = held.place ? undefined : await admit(admission, ctx);
    try {
      await submit(ctx, held);
    } finally {
      // Still held: nothing was submitted (a bad form, a slow upload), so the place goes back.
      held.place?.cancel();
      release?.();
    }
  };

  /** Reads the form and submits the job, handing `held.place` over to the queue. */
  async function submit(ctx: RequestContext, held: { place?: JobPlace | undefined }): Promise<void> {
    const { req, res } = ctx;
    const keys = keysFromHeaders(req.headers);
    const { image, references, provider, prompt, disclosure, label, cache, options: editOptions, variations, fields } = await readEditForm(req, formOptions);
    // Checked before anything is queued: the host against WEBHOOK_ALLOWED_HOSTS and its addresses, and that we can sign.
    const webhookUrl = fields.get('webhook_url')?.trim() || undefined;
    if (webhookUrl) await checkWebhookUrl(webhookUrl, config);
    const requested = provider?.trim() || config.defaultProvider;
    const spec = parseProvider(requested, config);
    // The embedded queue runs with this config, so a missing key is known now, not after the wait.
    const serverKeys = !config.requireClientKeys;
    const key = serverKeys ? keyFor(spec.kind, config, keys) : spec.kind === 'google' ? keys.google : keys.fal;
    if (jobs.backend === 'memory' && spec.kind !== 'mock' && !key && !config.devMode) throw missingKeyError(spec.kind, spec.id, !serverKeys);
    // What /api/edit refuses (an aspect ratio the model lacks) is refused here, before anything is queued.
    // Not when DEV_MODE will answer with the mock for want of a key: /api/edit accepts that too.
    if (spec.kind !== 'mock' && (key || !config.devMode)) checkOptionsFor(spec, editOptions);
    const { place } = held;
    held.place = undefined;
    const record = await jobs.submit({
      images: [image, ...references],
      provider: spec.id,
      keys,
      serverKeys,
      disclosure,
      ...(label ? { label } : {}),
      ...(cache ? {} : { cache: false }),
      options: editOptions,
      ...(variations > 1 ? { variations } : {}),
      ...(ctx.tokenId ? { owner: ctx.tokenId } : {}),
      ...(prompt !== undefined ? { prompt } : {}),
      ...(webhookUrl ? { webhookUrl } : {}),
    }, place);
    ctx.addLogFields({ job: record.id, provider: spec.id });
    const paths = jobPaths(record.id);
    res.setHeader('Location', paths.status_url);
    res.setHeader('Cache-Control', 'no-store');
    await sendJson(req, res, 202, { id: record.id, status: record.status, ...paths });
  };
}

/** The longest `?wait=` a status request may hold: well inside the route's 30 s deadline and any proxy's idle cut. */
export const MAX_WAIT_SECONDS = 20;

/** `?wait=N` (whole seconds, 0-20) from the request's query; 0 when absent. */
function waitSecondsOf(url: string | undefined): number {
  const q = url?.indexOf('?') ?? -1;
  const raw = q === -1 ? null : new URLSearchParams(url!.slice(q + 1)).get('wait');
  if (raw === null || raw === '') return 0;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > MAX_WAIT_SECONDS) {
    throw new FrameForgeError('bad_request', `The query parameter wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}; got "${raw.slice(0, 20)}".`, { subject: 'wait' });
  }
  return Number(raw);
}

export function jobStatusHandler({ jobs }: JobRouteOptions): Handler {
  return async (ctx) => {
    const waitSeconds = waitSecondsOf(ctx.req.url);
    let record: JobRecord | undefined;
    // Long poll: answer when the job ends (or the wait is over), so a client learns of the end
    // at once instead of a poll interval later, with one request instead of many. The wait
    // subscribes, then reads the job once (checking there, as findJob does, that this client
    // may see it): a read before it would be a second round trip to Redis for the same record.
    if (waitSeconds > 0) {
      const id = pathJobId(ctx);
      const waited = await waitForEnd(jobs, id, {
        signal: ctx.signal,
        timeoutMs: waitSeconds * 1000,
        visible: (r) => mayView(ctx, r),
      });
      if (waited.state === 'gone') throw notFound(id);
      ctx.signal.throwIfAborted();
      record = waited.record;
    }
    // Without a wait, or when it ran out before its first read came back.
    record ??= await findJob(ctx, jobs);
    ctx.res.setHeader('Cache-Control', 'no-store');
    await sendJson(ctx.req, ctx.res, 200, jobView(record));
  };
}

export function jobResultHandler({ jobs }: JobRouteOptions): Handler {
  return async (ctx) => {
    const { res } = ctx;
    const record = await findJob(ctx, jobs);
    if (record.status === 'queued' || record.status === 'running') {
      throw new FrameForgeError('not_ready', `Job ${record.id} is ${record.status}.`, {
        retryAfter: POLL_AFTER_SECONDS,
        hint: `Poll ${jobPaths(record.id).status_url} until it has ended.`,
      });
    }
    if (record.status !== 'succeeded') {
      const error = record.error ?? { code: 'internal_error' as const, detail: 'The job failed.' };
      throw new FrameForgeError(error.code, error.detail);
    }
    // /result is the first; /result/{n} is variation n, 1-based.
    const raw = ctx.params.n;
    const n = raw === undefined ? 1 : /^[1-9]\d{0,2}$/.test(raw) ? Number(raw) : 0;
    const count = record.variations ?? 1;
    if (n < 1 || n > count) {
      throw new FrameForgeError('not_found', `Job ${record.id} has no result ${raw?.slice(0, 10) ?? ''}: it made ${count} (1 to ${count}).`, { subject: 'n' });
    }
    const result = await jobs.result(record.id);
    if (!result) throw notFound(record.id);
    if (n === 1) return sendImage(res, result);
    // Variation n alone: without the first's pieces (`chunks`), which sendImage would send instead.
    const { chunks: _first, ...rest } = result;
    sendImage(res, { ...rest, data: result.variations?.[n - 1] ?? result.data });
  };
}

export function cancelJobHandler({ jobs }: JobRouteOptions): Handler {
  return async (ctx) => {
    const record = await findJob(ctx, jobs);
    const after = (await jobs.cancel(record.id)) ?? record;
    ctx.res.setHeader('Cache-Control', 'no-store');
    await sendJson(ctx.req, ctx.res, 200, jobView(after));
  };
}
