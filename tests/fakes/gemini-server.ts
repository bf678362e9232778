/**
 * A fake Gemini Developer API (provider-protocols part A), enough for
 * @google/genai's `generateContent`: `POST /{v1|v1beta}/models/{model}:generateContent`.
 * It checks `x-goog-api-key` against `apiKey` (answering a wrong key the way
 * Google does: 400 API_KEY_INVALID) and answers with `image` as the model's
 * last inline part. Route names for `script()`: `generate`, and `get` for
 * `GET /{version}/models/{model}` (the SDK's `models.get`, used by `health --live`).
 * With `models`, an id outside that list is answered as Google answers a
 * retired or unknown one: 404 NOT_FOUND naming the model and the API version.
 *
 *   const gemini = await startGeminiServer({ apiKey: 'k' });
 *   gemini.script('generate', geminiRateLimited(1));      // then the normal answer
 *   ... GOOGLE_GEMINI_BASE_URL=gemini.url ...
 *   gemini.callsTo('generate')[0].json                     // the request body
 */
import { startFakeServer, type FakeServer, type ScriptedResponse } from './fake-http.js';
import { solidPng } from './test-images.js';

export interface GeminiServerOptions {
  /** When set, requests without this `x-goog-api-key` are refused. */
  apiKey?: string;
  /** The image the model "returns"; a small PNG by default. */
  image?: Buffer;
  imageMimeType?: string;
  /** Text part sent before the image. */
  text?: string;
  /** The model ids this fake serves; any other gets Google's 404. All, when unset. */
  models?: readonly string[];
  /** Answer each call with a different image (its colour from the call's number), as a real model would. */
  distinct?: boolean;
}

export interface GeminiServer extends FakeServer {
  /** The PNG (or `image`) the fake answers with. */
  readonly image: Buffer;
}

const GENERATE = /^\/(v1|v1beta|v1alpha)\/models\/([^/:?]+):generateContent$/;
const GET_MODEL = /^\/(v1|v1beta|v1alpha)\/models\/([^/:?]+)$/;

/** Google's answer for a model it does not serve on that version (provider-protocols A.4). */
export function geminiModelNotFound(model: string, version: string): ScriptedResponse {
  return geminiError(404, 'NOT_FOUND', `models/${model} is not found for API version ${version}, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`);
}

/** Google's error body, as its API sends it (A.4). */
export function geminiError(code: number, status: string, message: string, details?: unknown[]): ScriptedResponse {
  return { status: code, json: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

/** A 429 with both Retry-After and Google's RetryInfo saying `seconds`. */
export function geminiRateLimited(seconds: number): ScriptedResponse {
  const response = geminiError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
  ]);
  return { ...response, headers: { 'retry-after': String(seconds) } };
}

/** HTTP 200 whose prompt was blocked: no candidates at all. */
export function geminiBlocked(blockReason = 'PROHIBITED_CONTENT'): ScriptedResponse {
  return { status: 200, json: { promptFeedback: { blockReason }, usageMetadata: { promptTokenCount: 10, totalTokenCount: 10 } } };
}

/** HTTP 200 with a candidate that finished without an image. */
export function geminiNoImage(finishReason = 'IMAGE_SAFETY', text?: string): ScriptedResponse {
  const content = text ? { role: 'model', parts: [{ text }] } : {};
  return { status: 200, json: { candidates: [{ content, finishReason, index: 0 }] } };
}

export async function startGeminiServer(options: GeminiServerOptions = {}): Promise<GeminiServer> {
  const image = options.image ?? (await solidPng(24, 16, { r: 10, g: 200, b: 30 }));
  const mimeType = options.imageMimeType ?? 'image/png';
  const variants = options.distinct ? await Promise.all(Array.from({ length: 16 }, (_, i) => solidPng(24, 16, { r: 10 + i * 15, g: 200, b: 30 }))) : [];
  let answered = 0;
  const badKey = (call: { headers: Record<string, unknown> }) =>
    options.apiKey !== undefined && call.headers['x-goog-api-key'] !== options.apiKey;
  const refuseKey = () => {
    const bad = geminiError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
    ]);
    return { status: 400, json: bad.json };
  };
  const unknownModel = (model: string, version: string) =>
    options.models && !options.models.includes(model) ? { status: 404, json: geminiModelNotFound(model, version).json } : undefined;
  const server = await startFakeServer((call) => {
    const get = call.method === 'GET' ? GET_MODEL.exec(call.path) : null;
    if (get) {
      return {
        route: 'get',
        reply: () =>
          badKey(call) ? refuseKey() : unknownModel(get[2]!, get[1]!) ?? {
            status: 200,
            json: { name: `models/${get[2]}`, displayName: get[2], supportedGenerationMethods: ['generateContent'], version: '001' },
          },
      };
    }
    const match = call.method === 'POST' ? GENERATE.exec(call.path) : null;
    if (!match) {
      return { route: 'unknown', reply: () => ({ ...geminiError(404, 'NOT_FOUND', `${call.path} is not found.`), status: 404 }) };
    }
    return {
      route: 'generate',
      reply: () => {
        if (badKey(call)) return refuseKey();
        const missing = unknownModel(match[2]!, match[1]!);
        if (missing) return missing;
        const parts: unknown[] = [];
        if (options.text) parts.push({ text: options.text });
        const answer = options.distinct ? variants[answered++ % variants.length]! : image;
        parts.push({ inlineData: { mimeType, data: answer.toString('base64') } });
        return {
          status: 200,
          json: {
            candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
            usageMetadata: { promptTokenCount: 1300, candidatesTokenCount: 1290, totalTokenCount: 2590 },
            modelVersion: match[2],
            responseId: `fake-${Date.now()}`,
          },
        };
      },
    };
  });
  return Object.assign(server, { image });
}
