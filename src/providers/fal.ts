/**
 * fal.ai models through @fal-ai/client (provider-protocols part B):
 * upload each input image to fal storage, submit the job to the queue, poll
 * its status, fetch the result, download the last output image.
 *
 * The steps are driven here rather than by `subscribe`, so that the edit's
 * signal is checked between them and the wait between polls ends the moment
 * it aborts: after Ctrl-C or a closed connection nothing more reaches fal.
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
import { falFetch } from './fal-fetch.js';
import { buildFalInput, falModelInputs } from './fal-inputs.js';
import { scrubSecret } from './provider-errors.js';
import type { EditContext, EditRequest, EditResult, Provider, ProviderImage } from './types.js';
import { sleep } from '../core/sleep.js';

export interface FalProviderOptions {
  id: string;
  endpoint: string;
  apiKey: string;
  proxyUrl?: string;
  /** Wait between status polls; fal's client uses 500 ms. Tests use less. */
  pollIntervalMs?: number;
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

export function createFalProvider(options: FalProviderOptions): Provider {
  const { id, endpoint } = options;
  const model = falModelInputs(endpoint);
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  return {
    id,
    kind: 'fal',
    model: endpoint,
    limits: { maxEdge: model.maxEdge, maxImages: model.maxImages },
    async edit(request: EditRequest, context: EditContext): Promise<EditResult> {
      const { signal } = context;
      const client = createFalClient({
        credentials: options.apiKey,
        fetch: falFetch(signal),
        suppressLocalCredentialsWarning: true,
        ...(options.proxyUrl ? { proxyUrl: { url: options.proxyUrl, when: 'always' as const } } : {}),
      });
      try {
        // Validate the field before uploading anything: a one-image model given several fails fast.
        buildFalInput(endpoint, request.images.map(() => ''), request.prompt, request.options);
        const urls: string[] = [];
        for (const [index, image] of request.images.entries()) {
          signal.throwIfAborted();
          const file = new File([new Uint8Array(image.data)], uploadName(image, index), { type: image.mimeType });
          urls.push(await client.storage.upload(file));
        }
        const { input, warnings } = buildFalInput(endpoint, urls, request.prompt, request.options);

        signal.throwIfAborted();
        const submitted = await client.queue.submit(endpoint, { input, abortSignal: signal });
        const requestId = submitted.request_id;
        for (;;) {
          const status = await client.queue.status(endpoint, { requestId, logs: false, abortSignal: signal });
          if (status.status === 'COMPLETED') break;
          if (status.status === 'IN_QUEUE') context.onProgress?.(`fal: in queue, position ${status.queue_position}`);
          else context.onProgress?.('fal: in progress');
          await sleep(pollIntervalMs, signal);
        }
        signal.throwIfAborted();
        const result = await client.queue.result(endpoint, { requestId, abortSignal: signal });
        const image = pickImage(result.data as FalOutput, id);
        const downloaded = await downloadResult(image.url!, { providerId: id, signal });
        return {
          data: downloaded.data,
          mimeType: image.content_type ?? downloaded.mimeType ?? 'application/octet-stream',
          warnings,
          model: endpoint,
          requestId: result.requestId || requestId,
        };
      } catch (error) {
        throw scrubSecret(mapFalError(error, id), options.apiKey);
      }
    },
  };
}
