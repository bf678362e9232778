/**
 * Parses provider ids (contract 1): `google`, `nano-banana`, `google:<model>`,
 * `fal:<endpoint-id>`, `mock`. The prefix is case-insensitive; a fal endpoint
 * or Gemini model id keeps its case. Anything that could steer a request
 * somewhere unexpected (`..`, a URL, empty segments, spaces) is refused here,
 * before any network call.
 */
import { FrameForgeError } from '../core/errors.js';

export type ProviderSpec =
  | { kind: 'mock'; id: 'mock' }
  | { kind: 'google'; id: string; model: string }
  | { kind: 'fal'; id: string; endpoint: string };

/** The ids `providers` and `GET /api/providers` list. Any `fal:` endpoint works, listed or not. */
export const LISTED_PROVIDER_IDS: readonly string[] = [
  'google',
  'mock',
  'nano-banana',
  'fal:fal-ai/nano-banana/edit',
  'fal:fal-ai/qwen-image-edit',
  'fal:fal-ai/bytedance/seedream/v4/edit',
  'fal:fal-ai/flux-kontext/dev',
  'fal:fal-ai/flux/dev',
].sort();

const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function badId(raw: string, why: string): FrameForgeError {
  return new FrameForgeError('invalid_provider_id', `Invalid provider "${raw}": ${why}.`, {
    subject: 'provider',
    hint: 'Use google, nano-banana, google:<model-id>, fal:<owner>/<model>[/<path>] or mock.',
  });
}

export function parseProviderId(raw: string, defaultGoogleModel: string): ProviderSpec {
  const id = raw.trim();
  if (id === '') throw badId(raw, 'it is empty');
  const colon = id.indexOf(':');
  const prefix = (colon === -1 ? id : id.slice(0, colon)).toLowerCase();
  const rest = colon === -1 ? undefined : id.slice(colon + 1);

  if (rest === undefined) {
    if (prefix === 'mock') return { kind: 'mock', id: 'mock' };
    if (prefix === 'google' || prefix === 'nano-banana') {
      return { kind: 'google', id: prefix, model: defaultGoogleModel };
    }
    if (prefix === 'fal') throw badId(raw, 'fal needs an endpoint id, e.g. fal:fal-ai/nano-banana/edit');
  } else if (prefix === 'google' || prefix === 'nano-banana') {
    if (!MODEL_ID.test(rest) || rest.includes('..')) {
      throw badId(raw, 'a Gemini model id is letters, digits, ".", "_" and "-", e.g. google:gemini-3-pro-image-preview');
    }
    return { kind: 'google', id: `google:${rest}`, model: rest };
  } else if (prefix === 'fal') {
    const segments = rest.split('/');
    if (
      segments.length < 2 ||
      segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')
    ) {
      throw badId(raw, 'a fal endpoint id is owner/model[/path] of letters, digits, ".", "_" and "-"');
    }
    return { kind: 'fal', id: `fal:${rest}`, endpoint: rest };
  }

  throw new FrameForgeError('unknown_provider', `Unknown provider "${raw}".`, {
    subject: 'provider',
    hint: `Known providers: ${LISTED_PROVIDER_IDS.join(', ')} (any fal:<endpoint-id> works).`,
  });
}
