/**
 * `health --live` for fal: one GET of fal's pricing Platform API for the
 * endpoint. fal documents it as requiring a valid key ("Authentication:
 * Required. Users must provide a valid API key") and it returns a price per
 * endpoint id, so one read proves the key and that fal knows the endpoint,
 * without running (or paying for) a model.
 * https://docs.fal.ai/platform-apis/v1/models/pricing
 * (The model search API, https://docs.fal.ai/platform-apis/v1/models, would
 * find the endpoint too, but its key is optional, so it proves nothing about one.)
 * What it cannot prove: that the account has credit left, or that the
 * endpoint still takes the input this catalogue sends; both show only on an edit.
 * With FAL_PROXY_URL the call goes through the proxy like every other fal
 * call (`x-fal-target-url`, as @fal-ai/client's proxy middleware does).
 */
import { FrameForgeError } from '../core/errors.js';
import { FAL_KEY_HINT, describeFalBody } from './fal-errors.js';
import { readFalBody } from './fal-fetch.js';
import { providerHttpError, scrubSecret, unreachableError } from './provider-errors.js';
import { guardedFetch } from './sdk-fetch.js';
import type { ProbeResult } from './types.js';

export const FAL_PRICING_URL = 'https://api.fal.ai/v1/models/pricing';

export interface FalProbeOptions {
  id: string;
  endpoint: string;
  apiKey: string;
  proxyUrl?: string;
}

interface PricingBody {
  prices?: { endpoint_id?: string; unit_price?: number; unit?: string; currency?: string }[];
}

function endpointUnknown(options: FalProbeOptions, cause?: unknown): FrameForgeError {
  return new FrameForgeError('model_not_found', `fal does not know the endpoint "${options.endpoint}" (${options.id}): its pricing API lists no price for it.`, {
    subject: 'model',
    hint: 'Check the id on https://fal.ai/models, or pick one from `frameforge providers`.',
    ...(cause ? { cause } : {}),
  });
}

export async function probeFalEndpoint(options: FalProbeOptions, signal: AbortSignal): Promise<ProbeResult> {
  const target = `${FAL_PRICING_URL}?endpoint_id=${encodeURIComponent(options.endpoint)}`;
  const headers: Record<string, string> = { authorization: `Key ${options.apiKey}`, accept: 'application/json' };
  if (options.proxyUrl) headers['x-fal-target-url'] = target;
  const http = guardedFetch(signal);
  let response: Response;
  try {
    response = await http.fetch(options.proxyUrl ?? target, { method: 'GET', headers });
  } catch (error) {
    if (signal.aborted) throw error;
    throw scrubSecret(unreachableError('fal', options.id, error), options.apiKey);
  }
  const body = await readFalBody(response);
  if (response.status === 404) throw endpointUnknown(options);
  // fal's reference page shows an "Admin API key" in its auth block while its text asks for "a valid
  // API key": a 403 means the key was recognised but not let in here (its scope), which is not a bad key.
  if (response.status === 403) {
    return {
      detail: 'fal recognised the key but refused it the pricing lookup (HTTP 403: probably its scope, API rather than ADMIN).',
      unchecked: `Not checked by --live: whether fal knows ${options.endpoint}, the account's credit, and the input FrameForge sends.`,
    };
  }
  if (!response.ok) {
    const { text } = describeFalBody(body);
    throw scrubSecret(
      providerHttpError({
        service: 'fal',
        providerId: options.id,
        status: response.status,
        keyHint: FAL_KEY_HINT,
        cause: new Error(`fal pricing API answered HTTP ${response.status}`),
        ...(text ? { providerMessage: text } : {}),
        ...(http.lastRetryAfter() !== undefined ? { retryAfter: http.lastRetryAfter()! } : {}),
      }),
      options.apiKey,
    );
  }
  const price = (body as PricingBody).prices?.find((p) => p.endpoint_id === options.endpoint);
  if (!price) throw endpointUnknown(options);
  const cost = typeof price.unit_price === 'number' ? ` at ${price.unit_price} ${price.currency ?? 'USD'} per ${price.unit ?? 'unit'}` : '';
  return {
    detail: `fal accepted the key; ${options.endpoint} exists${cost}.`,
    unchecked: "Not checked by --live: the account's credit, and whether the endpoint still takes the input FrameForge sends.",
  };
}
