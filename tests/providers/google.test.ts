/**
 * The Gemini adapter, through the real @google/genai SDK and the edit core,
 * against the fake Gemini server: what goes on the wire, what comes back,
 * and how each failure reaches the user.
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { editImage } from '../../src/core/edit.js';
import type { RetryInfo } from '../../src/core/retry.js';
import { failure } from '../support/failure.js';
import type { Settings } from '../../src/core/settings.js';
import { resolveProvider } from '../../src/providers/registry.js';
import {
  geminiBlocked,
  geminiError,
  geminiNoImage,
  geminiRateLimited,
  startGeminiServer,
  type GeminiServer,
} from '../fakes/gemini-server.js';
import { solidJpeg, solidPng } from '../fakes/test-images.js';

const KEY = 'gk-test-5b1d9e';
let gemini: GeminiServer;

beforeEach(async () => {
  gemini = await startGeminiServer({ apiKey: KEY });
});
afterEach(async () => {
  await gemini.close();
});

function config(values: Partial<Settings> = {}) {
  return configFrom({ googleApiKey: KEY, googleBaseUrl: gemini.url, ...values });
}

async function edit(values: Partial<Settings> = {}, job: Partial<Parameters<typeof editImage>[1]> = {}, provider = 'google') {
  const cfg = config(values);
  const resolved = await resolveProvider(provider, cfg);
  const image = { data: await solidJpeg(), name: 'room.jpg' };
  return editImage(resolved, { image, prompt: 'Add a sofa', ...job }, cfg);
}


describe('Gemini request', () => {
  it('sends the key header, every normalized image as inlineData, then the prompt, and returns the image', async () => {
    const withExif = await sharp(await solidJpeg(40, 30))
      .withExif({ IFD0: { Copyright: 'GPS-SECRET-PLACE', Make: 'SerialCam' } })
      .jpeg()
      .toBuffer();
    expect(withExif.includes('GPS-SECRET-PLACE')).toBe(true);
    const reference = await solidPng(10, 10);

    const outcome = await edit({}, {
      image: { data: withExif, name: 'room.jpg' },
      references: [{ data: reference, name: 'sofa.png' }],
      format: 'png',
    });

    const [call, ...more] = gemini.callsTo('generate');
    expect(more).toHaveLength(0);
    expect(call!.path).toBe('/v1beta/models/gemini-3.1-flash-image:generateContent');
    expect(call!.headers['x-goog-api-key']).toBe(KEY);
    const body = call!.json as {
      contents: { role: string; parts: { inlineData?: { mimeType: string; data: string }; text?: string }[] }[];
      generationConfig: { responseModalities: string[] };
    };
    const parts = body.contents[0]!.parts;
    expect(parts).toHaveLength(3);
    expect(parts[0]!.inlineData!.mimeType).toBe('image/jpeg');
    expect(parts[1]!.inlineData!.mimeType).toBe('image/png');
    expect(parts[2]).toEqual({ text: 'Add a sofa' });
    const sent = Buffer.from(parts[0]!.inlineData!.data, 'base64');
    expect(sent.includes('GPS-SECRET-PLACE')).toBe(false);
    expect((await sharp(sent).metadata()).width).toBe(40);
    expect(body.generationConfig.responseModalities).toContain('IMAGE');

    const meta = await sharp(outcome.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 24, 16]);
    expect(outcome.attempts).toBe(1);
  });

  it('uses the model named by google:<model>', async () => {
    await edit({}, {}, 'google:gemini-3-pro-image');
    expect(gemini.callsTo('generate')[0]!.path).toBe('/v1beta/models/gemini-3-pro-image:generateContent');
  });

  it('takes the last image that is not a thought, and keeps the model text', async () => {
    const draft = (await solidPng(8, 8)).toString('base64');
    const final = (await solidPng(30, 20)).toString('base64');
    gemini.script('generate', {
      status: 200,
      json: {
        candidates: [{
          content: { role: 'model', parts: [
            { inlineData: { mimeType: 'image/png', data: draft }, thought: true },
            { text: 'Here you go.' },
            { inlineData: { mimeType: 'image/png', data: final } },
            { inlineData: { mimeType: 'image/png', data: draft }, thought: true },
          ] },
          finishReason: 'STOP',
        }],
      },
    });
    const outcome = await edit({}, { format: 'png' });
    expect((await sharp(outcome.data).metadata()).width).toBe(30);
    expect(outcome.text).toBe('Here you go.');
  });

  it('passes aspect ratio and seed', async () => {
    const outcome = await edit({}, { options: { aspectRatio: '16:9', seed: 7 } });
    const body = gemini.callsTo('generate')[0]!.json as { generationConfig: Record<string, unknown> };
    expect(body.generationConfig.imageConfig).toEqual({ aspectRatio: '16:9', imageSize: '1K' });
    expect(body.generationConfig.seed).toBe(7);
    expect(outcome.warnings).toEqual([]);
  });
});

describe('Gemini failures', () => {
  it('429 with Retry-After: 1 is retried once, after the one second Google asked for', async () => {
    gemini.script('generate', geminiRateLimited(1));
    const retries: RetryInfo[] = [];
    const outcome = await edit({}, { onRetry: (info) => retries.push(info) });
    expect(gemini.callsTo('generate')).toHaveLength(2);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.error.code])).toEqual([[1, 1000, 'provider_rate_limited']]);
    expect(outcome.attempts).toBe(2);
  });

  it('a Retry-After longer than MAX_RETRY_WAIT_SECONDS fails fast with the provider\'s retry time, without a retry', async () => {
    gemini.script('generate', geminiRateLimited(120));
    const retries: RetryInfo[] = [];
    // Were it to wait anyway, the retry event ends the edit at once instead of holding the test.
    const controller = new AbortController();
    const onRetry = (info: RetryInfo) => {
      retries.push(info);
      controller.abort();
    };
    const error = await failure(edit({ maxRetries: 3, maxRetryWaitSeconds: 30 }, { onRetry, signal: controller.signal }));
    expect([error.code, error.retryAfter]).toEqual(['provider_rate_limited', 120]);
    expect(retries).toEqual([]);
    expect(gemini.callsTo('generate')).toHaveLength(1);
  });

  it('a 429 that outlasts the retries is provider_rate_limited (HTTP 429) with the provider retry time', async () => {
    gemini.script('generate', geminiRateLimited(1));
    const error = await failure(edit({ maxRetries: 0 }));
    expect(error.code).toBe('provider_rate_limited');
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(1);
    expect(error.message).toMatch(/quota/);
  });

  it('a bad key (Google answers 400 API_KEY_INVALID) is invalid_api_key: HTTP 401, exit 2, names the variable, no retry', async () => {
    const error = await failure(edit({ googleApiKey: 'wrong-key-123' }));
    expect(error.code).toBe('invalid_api_key');
    expect([error.status, error.exitCode]).toEqual([401, 2]);
    expect(error.detail).toMatch(/GOOGLE_API_KEY/);
    expect(error.detail).not.toContain('wrong-key-123');
    expect(gemini.callsTo('generate')).toHaveLength(1);
  });

  it('401 and 403 are invalid_api_key without a retry', async () => {
    gemini.script('generate', geminiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
    expect((await failure(edit())).code).toBe('invalid_api_key');
    gemini.script('generate', geminiError(403, 'PERMISSION_DENIED', 'Your API key was reported as leaked.'));
    expect((await failure(edit())).code).toBe('invalid_api_key');
    expect(gemini.callsTo('generate')).toHaveLength(2);
  });

  it.each([
    [400, 'INVALID_ARGUMENT', 'provider_rejected'],
  ])('%i is %s and not retried', async (code, status, expected) => {
    gemini.script('generate', geminiError(code, status, 'the provider message'));
    const error = await failure(edit());
    expect(error.code).toBe(expected);
    expect(error.message).toContain('the provider message');
    expect(gemini.callsTo('generate')).toHaveLength(1);
  });

  it('500, 502, 503 and 504 are retried, then reported as provider_error (HTTP 502) with the cause kept', async () => {
    gemini.script(
      'generate',
      geminiError(500, 'INTERNAL', 'An internal error has occurred.'),
      geminiError(503, 'UNAVAILABLE', 'The model is overloaded.'),
      { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>bad gateway</html>' },
      geminiError(504, 'DEADLINE_EXCEEDED', 'Deadline exceeded.'),
    );
    const error = await failure(edit({ maxRetries: 3 }));
    expect(error.code).toBe('provider_error');
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/Deadline exceeded/);
    expect((error.cause as Error).name).toBe('ApiError');
    expect(gemini.callsTo('generate')).toHaveLength(4);
  });

  it('a blocked prompt is model_refused (HTTP 422) carrying the block reason, not retried', async () => {
    gemini.script('generate', geminiBlocked('PROHIBITED_CONTENT'));
    const error = await failure(edit());
    expect(error.code).toBe('model_refused');
    expect(error.status).toBe(422);
    expect(error.message).toContain('PROHIBITED_CONTENT');
    expect(gemini.callsTo('generate')).toHaveLength(1);
  });

  it('an answer without an image carries the finish reason and the model text', async () => {
    gemini.script('generate', geminiNoImage('IMAGE_SAFETY', "I can't edit this image."));
    const error = await failure(edit());
    expect(error.code).toBe('model_refused');
    expect(error.message).toContain('IMAGE_SAFETY');
    expect(error.message).toContain("I can't edit this image.");
  });

  it('a dropped connection is provider_unreachable', async () => {
    gemini.script('generate', { drop: true });
    const error = await failure(edit({ maxRetries: 0 }));
    expect(error.code).toBe('provider_unreachable');
  });

  it('a model that never answers hits the edit deadline: provider_timeout (HTTP 504)', async () => {
    gemini.script('generate', { delayMs: 10_000 });
    const error = await failure(edit({ editTimeoutSeconds: 1 }));
    expect(error.code).toBe('provider_timeout');
    expect(error.status).toBe(504);
    expect(gemini.callsTo('generate')).toHaveLength(1);
  });

  it('cancellation aborts the call in flight and is reported as cancelled, not a provider error', async () => {
    gemini.script('generate', { delayMs: 10_000 });
    const controller = new AbortController();
    const pending = edit({}, { signal: controller.signal });
    const call = await gemini.waitForCall('generate');
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe('cancelled');
    // The call was dropped, not left running, and the edit (its retries included) is over: no second call.
    await call.abandoned;
    expect(gemini.calls).toHaveLength(1);
  });
});
