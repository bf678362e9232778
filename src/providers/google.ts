/**
 * Gemini image models through @google/genai (provider-protocols part A).
 *
 * One `generateContent` call per edit: every input image as an `inlineData`
 * part, then the prompt as a text part, image output requested, and
 * `imageConfig` from the catalogue row (gemini-models.ts): the output size on
 * `imageSize` and the input's framing on `aspectRatio`. The client is built
 * inside `edit` with the key passed in, so a per-request key (server header)
 * never outlives its request and the environment is never consulted. The API
 * version is pinned (GOOGLE_API_VERSION, `v1beta` by default: SDK 3.x would
 * send `/v1/`, where preview ids do not exist). The SDK's own retries stay off
 * (its default): the core retries, once, for both providers. The registry
 * imports this module only when a Gemini provider is used, so `providers` and
 * `--help` never load the SDK.
 */
import { GoogleGenAI, Modality } from '@google/genai';
import { FrameForgeError } from '../core/errors.js';
import { nearestRatio, TIER_EDGE } from '../core/output-size.js';
import { mapGeminiError } from './gemini-errors.js';
import { geminiModelOrDefault, type GeminiModel } from './gemini-models.js';
import { extractImage } from './gemini-response.js';
import { checkGeminiOptions } from './option-checks.js';
import { scrubSecret } from './provider-errors.js';
import { guardedFetch } from './sdk-fetch.js';
import type { EditContext, EditOptions, EditRequest, EditResult, ProbeResult, Provider } from './types.js';

export interface GoogleProviderOptions {
  id: string;
  model: string;
  apiKey: string;
  apiVersion: string;
  baseUrl?: string;
}

/** The `imageSize` to send: the tier when the model has it, else the largest it has below, else none. */
function imageSizeFor(row: GeminiModel, options: EditOptions, id: string, warnings: string[]): string | undefined {
  const out = options.output;
  if (!out) return undefined;
  if (row.imageSizes.length === 0) {
    if (out.asked) warnings.push(`${id} (${row.id}) takes no output size; --size ${out.tier} was not sent (it answers about 1K).`);
    return undefined;
  }
  const edge = (size: string): number => (size.endsWith('K') ? Number(size.slice(0, -1)) * 1024 : Number(size));
  const pick = [...row.imageSizes].filter((s) => edge(s) <= TIER_EDGE[out.tier]).sort((a, b) => edge(b) - edge(a))[0] ?? row.imageSizes[0]!;
  if (out.asked && pick !== out.tier) warnings.push(`${id} (${row.id}) has no ${out.tier} output; asked for ${pick}.`);
  return pick;
}

/** Builds the `config` part the request honours, and warnings for what it cannot. */
function generationConfig(row: GeminiModel, id: string, options: EditOptions): { config: Record<string, unknown>; warnings: string[] } {
  const config: Record<string, unknown> = {};
  const warnings: string[] = [];
  const imageConfig: Record<string, string> = {};
  const out = options.output;
  const ratio =
    options.aspectRatio === 'auto' ? undefined : options.aspectRatio ?? (out ? nearestRatio(out.width, out.height, row.aspectRatios) : undefined);
  if (ratio) imageConfig.aspectRatio = ratio;
  const imageSize = imageSizeFor(row, options, id, warnings);
  if (imageSize) imageConfig.imageSize = imageSize;
  if (Object.keys(imageConfig).length) config.imageConfig = imageConfig;
  if (options.seed !== undefined) config.seed = options.seed;
  if (options.imageField) warnings.push(`--image-field applies to fal models only; ignored for Gemini.`);
  // Gemini always answers PNG; the core converts to the requested format, so no warning is due.
  return { config, warnings };
}

function clientFor(options: GoogleProviderOptions, fetch: typeof globalThis.fetch): GoogleGenAI {
  return new GoogleGenAI({
    apiKey: options.apiKey,
    apiVersion: options.apiVersion,
    httpOptions: { fetch, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) },
  });
}

/**
 * `health --live`: `models.get` for the model on the configured API version
 * (GET /{version}/models/{model}). It reads metadata only, so nothing is
 * billed, yet Google checks the key first (400 API_KEY_INVALID) and answers a
 * model it does not serve on that version with 404, which is exactly what
 * an edit would run into. https://ai.google.dev/api/models#method:-models.get
 */
async function probeModel(options: GoogleProviderOptions, signal: AbortSignal): Promise<ProbeResult> {
  const { id, model, apiVersion } = options;
  const http = guardedFetch(signal);
  try {
    const info = await clientFor(options, http.fetch).models.get({ model, config: { abortSignal: signal } });
    const methods = info.supportedActions ?? [];
    const canEdit = methods.length === 0 || methods.includes('generateContent');
    return {
      detail: `Gemini accepted the key; ${model} exists on ${apiVersion}${info.displayName ? ` ("${info.displayName}")` : ''}${canEdit ? '' : `, but lists no generateContent (it has: ${methods.join(', ')})`}.`,
      ...(canEdit ? {} : { unchecked: `${id} may not edit images: the model does not list generateContent.` }),
    };
  } catch (error) {
    throw scrubSecret(mapGeminiError(error, id, http.lastRetryAfter(), { model, apiVersion }), options.apiKey);
  }
}

export function createGoogleProvider(options: GoogleProviderOptions): Provider {
  const { id, model, apiVersion } = options;
  const row = geminiModelOrDefault(model);
  return {
    id,
    kind: 'google',
    model,
    // Gemini bills an input image at a fixed token count whatever its size, so
    // 3072 px loses nothing; the image count is the model's (gemini-models.ts).
    limits: { maxEdge: 3072, maxImages: row.maxImages },
    validate: (editOptions) => checkGeminiOptions(row, id, editOptions),
    async edit(request: EditRequest, context: EditContext): Promise<EditResult> {
      const total = request.images.reduce((sum, image) => sum + Math.ceil(image.data.length / 3) * 4, 0);
      if (total > row.maxInlineBytes) {
        throw new FrameForgeError(
          'request_too_large',
          `The images for ${id} come to ${(total / 1048576).toFixed(1)} MB encoded; Gemini takes at most ${row.maxInlineBytes / 1048576} MB per request.`,
          { hint: 'Send fewer or smaller reference images.' },
        );
      }
      const { config, warnings } = generationConfig(row, id, request.options);
      if (request.images.length > row.recommendedImages) {
        warnings.push(`${row.id} works best with up to ${row.recommendedImages} images; this edit sends ${request.images.length}.`);
      }
      const http = guardedFetch(context.signal);
      const ai = clientFor(options, http.fetch);
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
        throw scrubSecret(mapGeminiError(error, id, http.lastRetryAfter(), { model, apiVersion }), options.apiKey);
      }
    },
    probe: (signal) => probeModel(options, signal),
  };
}
