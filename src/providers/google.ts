/**
 * Gemini image models through @google/genai (provider-protocols part A).
 *
 * One `generateContent` call per edit: every input image as an `inlineData`
 * part, then the prompt as a text part, image output requested. The client is
 * built inside `edit` with the key passed in, so a per-request key (server
 * header) never outlives its request and the environment is never consulted.
 * The SDK's own retries stay off (its default): the core retries, once, for
 * both providers. The registry imports this module only when a Gemini
 * provider is used, so `providers` and `--help` never load the SDK.
 */
import { GoogleGenAI, Modality } from '@google/genai';
import { FrameForgeError } from '../core/errors.js';
import { mapGeminiError } from './gemini-errors.js';
import { extractImage } from './gemini-response.js';
import { scrubSecret } from './provider-errors.js';
import { guardedFetch } from './sdk-fetch.js';
import type { EditContext, EditOptions, EditRequest, EditResult, Provider } from './types.js';

export interface GoogleProviderOptions {
  id: string;
  model: string;
  apiKey: string;
  baseUrl?: string;
}

/** Google's documented limit for a request with inline images (A.9 item 7). */
const MAX_INLINE_BYTES = 20 * 1024 * 1024;

/** Builds the `config` part the request honours, and warnings for what it cannot. */
function generationConfig(options: EditOptions): { config: Record<string, unknown>; warnings: string[] } {
  const config: Record<string, unknown> = {};
  const warnings: string[] = [];
  if (options.aspectRatio && options.aspectRatio !== 'auto') config.imageConfig = { aspectRatio: options.aspectRatio };
  if (options.seed !== undefined) config.seed = options.seed;
  if (options.numImages !== undefined && options.numImages > 1) {
    warnings.push(`Gemini returns one image per request; --num-images ${options.numImages} was not sent.`);
  }
  if (options.imageField) warnings.push(`--image-field applies to fal models only; ignored for Gemini.`);
  // Gemini always answers PNG; the core converts to the requested format, so no warning is due.
  return { config, warnings };
}

export function createGoogleProvider(options: GoogleProviderOptions): Provider {
  const { id, model } = options;
  return {
    id,
    kind: 'google',
    model,
    // Gemini bills an input image at a fixed token count whatever its size, so
    // 3072 px loses nothing; 14 is the most images Gemini 3 image models take.
    limits: { maxEdge: 3072, maxImages: 14 },
    async edit(request: EditRequest, context: EditContext): Promise<EditResult> {
      const total = request.images.reduce((sum, image) => sum + Math.ceil(image.data.length / 3) * 4, 0);
      if (total > MAX_INLINE_BYTES) {
        throw new FrameForgeError(
          'request_too_large',
          `The images for ${id} come to ${(total / 1048576).toFixed(1)} MB encoded; Gemini takes at most 20 MB per request.`,
          { hint: 'Send fewer or smaller reference images.' },
        );
      }
      const { config, warnings } = generationConfig(request.options);
      const http = guardedFetch(context.signal);
      const ai = new GoogleGenAI({
        apiKey: options.apiKey,
        httpOptions: { fetch: http.fetch, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) },
      });
      try {
        const response = await ai.models.generateContent({
          model,
          contents: [
            ...request.images.map((image) => ({
              inlineData: { mimeType: image.mimeType, data: image.data.toString('base64') },
            })),
            { text: request.prompt },
          ],
          config: {
            ...config,
            responseModalities: [Modality.TEXT, Modality.IMAGE],
            abortSignal: context.signal,
          },
        });
        const image = extractImage(response, id);
        return {
          data: image.data,
          mimeType: image.mimeType,
          warnings,
          model: response.modelVersion ?? model,
          ...(response.responseId ? { requestId: response.responseId } : {}),
          ...(image.text ? { text: image.text } : {}),
        };
      } catch (error) {
        throw scrubSecret(mapGeminiError(error, id, http.lastRetryAfter()), options.apiKey);
      }
    },
  };
}
