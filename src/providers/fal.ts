/**
 * fal.ai models through @fal-ai/client (provider-protocols part B):
 * upload each input image to fal storage, submit the job to the queue, poll
 * its status, fetch the result, download the last output image.
 *
 * The steps are driven here rather than by `subscribe`, so that the edit's
 * signal is checked between them and the wait between polls ends the moment
 * it aborts. When the edit ends without a result (cancelled, timed out, or
 * failed after its retries), the core calls `abandon`, and a job still queued
 * or running is cancelled at fal (one bounded, best-effort PUT), so it is not
 * left running and billed.
 * Each step that succeeded is recorded in the edit's `resume` map: when the
 * core retries, the edit resumes after it (the same uploads, the same job)
 * rather than submitting, and paying for, the job twice.
 * The client is built per edit with the key passed in (never FAL_KEY from the
 * environment: the server passes per-request keys), and with fal-fetch.ts,
 * which leaves retrying to the core. FAL_PROXY_URL sends every API call
 * through fal's proxy protocol (`x-fal-target-url`); the storage upload PUT
 * goes to the upload URL fal hands out, as in fal's own client.
 * The registry imports this module (and so the SDK) only when fal is used.
 */
import { createFalClient } from '@fal-ai/client';
import { FrameForgeError } from '../core/errors.js';
import { downloadResult } from './download.js';
import { mapFalError } from './fal-errors.js';
import { FalHttpFailure, falFetch } from './fal-fetch.js';
import { buildFalInput, checkFalOptions, falModelOrDefault } from './fal-inputs.js';
import { probeFalEndpoint } from './fal-probe.js';
import { scrubSecret } from './provider-errors.js';
import type { EditContext, EditRequest, EditResult, Provider, ProviderImage } from './types.js';
import { sleep } from '../core/sleep.js';

export interface FalProviderOptions {
  id: string;
  endpoint: string;
  apiKey: string;
  proxyUrl?: string;
  /**
   * Hosts a result URL may name with http: or a private address: the proxy's
   * host (host:port) and FAL_ALLOWED_RESULT_HOSTS. Any other must be https: and public.
   */
  allowedResultHosts?: readonly string[];
  /** Wait between status polls; fal's client uses 500 ms. Tests use less. */
  pollIntervalMs?: number;
}

/** How long the cancel sent for an aborted job may take; it must not hold up Ctrl-C for long. */
const CANCEL_TIMEOUT_MS = 3000;

/** What one edit has achieved at fal so far, kept across its attempts (EditContext.resume). */
interface FalProgress {
  /** fal storage URLs of the images uploaded so far, in order. */
  urls: string[];
  /** The queued job, once submitted. */
  requestId?: string;
  /** The job reported COMPLETED. */
  completed?: boolean;
  /** The output images chosen from the result, once fetched (one, unless several were asked for). */
  output?: { images: FalImage[]; requestId: string };
}

function progressOf(resume: Map<string, unknown> | undefined): FalProgress {
  const found = resume?.get('fal') as FalProgress | undefined;
  if (found) return found;
  const fresh: FalProgress = { urls: [] };
  resume?.set('fal', fresh);
  return fresh;
}

/**
 * The result fetch failed because the job itself failed at fal (fal marks
 * these with `error_type`: request_timeout, runner_disconnected, ...). A retry
 * must submit the job again; any other failure (the network, a 429, a proxy's
 * 502) is about fetching, and a retry fetches the same job's result again.
 */
function jobFailed(error: unknown): boolean {
  if (!(error instanceof FalHttpFailure)) return false;
  const body = error.body as { error_type?: unknown } | undefined;
  return typeof body === 'object' && body !== null && typeof body.error_type === 'string';
}

interface FalImage {
  url?: string;
  content_type?: string;
}

interface FalOutput {
  images?: FalImage[];
  image?: FalImage;
  description?: string;
  has_nsfw_concepts?: boolean[];
}

function uploadName(image: ProviderImage, index: number): string {
  // A generic name: the user's file names are nobody else's business.
  return `input-${index + 1}.${image.mimeType.split('/')[1] ?? 'bin'}`;
}

/** The LAST image of the output, or a refusal that says why there is none. */
function pickImage(output: FalOutput, providerId: string): FalImage {
  const images = output.images ?? (output.image ? [output.image] : []);
  const index = images.length - 1;
  const image = images[index];
  if (!image?.url) {
    const said = output.description ? `: the model said "${output.description}"` : '';
    throw new FrameForgeError('model_refused', `fal returned no image for ${providerId}${said}.`, {
      hint: 'Rephrase the prompt or try another model; nothing was written.',
    });
  }
  // Safety checkers answer with a black image and this flag: that is a refusal, not an edit.
  if (output.has_nsfw_concepts?.[index]) {
    throw new FrameForgeError('model_refused', `fal's safety checker blocked the result of ${providerId}.`, {
      hint: 'Rephrase the prompt or try another image; nothing was written.',
    });
  }
  return image;
}

/**
 * Every usable image of an output asked for several (`num_images`): those the
 * safety checker flagged are left out (the core asks again for what is
 * missing); none at all is a refusal, as for one image.
 */
function pickImages(output: FalOutput, providerId: string): FalImage[] {
  const images = output.images ?? (output.image ? [output.image] : []);
  const usable = images.filter((image, index) => image.url && !output.has_nsfw_concepts?.[index]);
  return usable.length > 0 ? usable : [pickImage(output, providerId)];
}

/** `host:port` of a URL, the port explicit: a proxy on one port allows no other port of its host. */
function hostWithPort(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
}

/** A client with the given key and fetch; never FAL_KEY from the environment. */
function clientFor(options: FalProviderOptions, fetch: typeof globalThis.fetch) {
  return createFalClient({
    credentials: options.apiKey,
    fetch,
    suppressLocalCredentialsWarning: true,
    ...(options.proxyUrl ? { proxyUrl: { url: options.proxyUrl, when: 'always' as const } } : {}),
  });
}

/**
 * Asks fal to cancel a job this edit no longer wants (Ctrl-C, a closed
 * connection, the deadline). The edit's own signal has fired, so the request
 * gets its own short deadline; whatever fal answers (already completed, not
 * found) or fails, the edit's outcome stays "cancelled".
 */
async function cancelJob(options: FalProviderOptions, requestId: string): Promise<void> {
  const client = clientFor(options, falFetch(AbortSignal.timeout(CANCEL_TIMEOUT_MS)));
  await client.queue.cancel(options.endpoint, { requestId }).catch(() => undefined);
}

export function createFalProvider(options: FalProviderOptions): Provider {
  const { id, endpoint } = options;
  const model = falModelOrDefault(endpoint);
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const allowedResultHosts = [...(options.allowedResultHosts ?? []), ...(options.proxyUrl ? [hostWithPort(options.proxyUrl)] : [])];
  return {
    id,
    kind: 'fal',
    model: endpoint,
    limits: { maxEdge: model.maxEdge, maxImages: model.maxImages },
    // num_images: the catalogue's maximum, 4 (fal's usual range) when a model takes it without a stated one.
    // Checked on the fal pages (2026-11-30): nano-banana-2/edit 1-4, nano-banana-pro 1-4,
    // seedream/v4/edit 1-6, flux-pro/kontext 1-4. A model that answers fewer is asked again (core/edit.ts).
    maxOutputs: model.numImages ? (model.numImages.max ?? 4) : 1,
    validate: (editOptions) => checkFalOptions(endpoint, editOptions),
    probe: (signal) => probeFalEndpoint({ id, endpoint, apiKey: options.apiKey, ...(options.proxyUrl ? { proxyUrl: options.proxyUrl } : {}) }, signal),
    async edit(request: EditRequest, context: EditContext): Promise<EditResult> {
      const { signal } = context;
      const client = clientFor(options, falFetch(signal));
      const progress = progressOf(context.resume);
      try {
        // Validate the field before uploading anything: a one-image model given several fails fast.
        buildFalInput(endpoint, request.images.map(() => ''), request.prompt, request.options);
        for (let index = progress.urls.length; index < request.images.length; index++) {
          signal.throwIfAborted();
          const image = request.images[index]!;
          const file = new File([new Uint8Array(image.data)], uploadName(image, index), { type: image.mimeType });
          progress.urls.push(await client.storage.upload(file));
        }
        const { input, warnings } = buildFalInput(endpoint, progress.urls, request.prompt, request.options);

        if (!progress.output) {
          signal.throwIfAborted();
          if (progress.requestId) context.onProgress?.(`fal: resuming job ${progress.requestId}`);
          else progress.requestId = (await client.queue.submit(endpoint, { input, abortSignal: signal })).request_id;
          const requestId = progress.requestId;
          while (!progress.completed) {
            const status = await client.queue.status(endpoint, { requestId, logs: false, abortSignal: signal });
            if (status.status === 'COMPLETED') progress.completed = true;
            else {
              context.onProgress?.(status.status === 'IN_QUEUE' ? `fal: in queue, position ${status.queue_position}` : 'fal: in progress');
              await sleep(pollIntervalMs, signal);
            }
          }
          signal.throwIfAborted();
          try {
            const result = await client.queue.result(endpoint, { requestId, abortSignal: signal });
            const data = result.data as FalOutput;
            const several = (request.options.numImages ?? 1) > 1;
            progress.output = { images: several ? pickImages(data, id) : [pickImage(data, id)], requestId: result.requestId || requestId };
          } catch (error) {
            if (jobFailed(error)) {
              delete progress.requestId;
              delete progress.completed;
            }
            throw error;
          }
        }
        const { images, requestId } = progress.output;
        const downloaded = await Promise.all(
          images.map(async (image) => {
            const got = await downloadResult(image.url!, { providerId: id, signal, allowedHosts: allowedResultHosts });
            return { data: got.data, mimeType: image.content_type ?? got.mimeType ?? 'application/octet-stream' };
          }),
        );
        const [first] = downloaded;
        return {
          data: first!.data,
          mimeType: first!.mimeType,
          warnings,
          model: endpoint,
          requestId,
          ...(downloaded.length > 1 ? { images: downloaded } : {}),
        };
      } catch (error) {
        throw scrubSecret(mapFalError(error, id), options.apiKey);
      }
    },
    async abandon(context: EditContext): Promise<void> {
      const progress = progressOf(context.resume);
      // A completed job is billed already; only one still queued or running is worth cancelling.
      if (progress.requestId && !progress.completed) await cancelJob(options, progress.requestId);
    },
  };
}
