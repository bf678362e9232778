/**
 * Parses provider ids (contract 1): `google`, `nano-banana`, `nano-banana-pro`,
 * `google:<model>`, `fal:<endpoint-id>`, `mock`. The prefix is
 * case-insensitive; a fal endpoint or Gemini model id keeps its case. Anything
 * that could steer a request somewhere unexpected (`..`, a URL, empty
 * segments, spaces) is refused here, before any network call, and so is a
 * known text-to-image endpoint (it would ignore the photo), except
 * `fal-ai/flux/dev`, which edits through its image-to-image sibling.
 */
import { FrameForgeError } from '../core/errors.js';
import { falTextToImage } from './fal-models.js';
import { GEMINI_PRO_MODEL } from './gemini-models.js';

export type ProviderSpec =
  | { kind: 'mock'; id: 'mock' }
  | { kind: 'google'; id: string; model: string }
  /** `notice`: the id asked for was mapped onto another endpoint, and the user is told so. */
  | { kind: 'fal'; id: string; endpoint: string; notice?: string };

/**
 * The ids `providers` and `GET /api/providers` list: every fal one an edit
 * endpoint in the catalogue (a test holds this). Any `fal:` endpoint works, listed or not.
 */
export const LISTED_PROVIDER_IDS: readonly string[] = [
  'google',
  'mock',
  'nano-banana',
  'nano-banana-pro',
  'fal:fal-ai/nano-banana-2/edit',
  'fal:fal-ai/nano-banana-pro/edit',
  'fal:fal-ai/nano-banana/edit',
  'fal:fal-ai/qwen-image-edit-2511',
  'fal:fal-ai/bytedance/seedream/v4/edit',
  'fal:fal-ai/bytedance/seedream/v4.5/edit',
  'fal:fal-ai/flux-2/edit',
  'fal:fal-ai/flux-kontext/dev',
  'fal:fal-ai/flux/dev/image-to-image',
].sort();

function falSpec(endpoint: string): ProviderSpec {
  const textToImage = falTextToImage(endpoint);
  if (textToImage?.editVia) {
    return {
      kind: 'fal',
      id: `fal:${textToImage.editVia}`,
      endpoint: textToImage.editVia,
      notice: `fal:${endpoint} is a text-to-image model; editing through fal:${textToImage.editVia} instead.`,
    };
  }
  if (textToImage) {
    throw new FrameForgeError('not_an_edit_model', `fal:${endpoint} makes images from text only; it cannot edit a photo.`, {
      subject: 'provider',
      hint: `Use its edit endpoint: --provider fal:${textToImage.suggest}.`,
    });
  }
  return { kind: 'fal', id: `fal:${endpoint}`, endpoint };
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function badId(raw: string, why: string): FrameForgeError {
  return new FrameForgeError('invalid_provider_id', `Invalid provider "${raw}": ${why}.`, {
    subject: 'provider',
    hint: 'Use google, nano-banana, nano-banana-pro, google:<model-id>, fal:<owner>/<model>[/<path>] or mock.',
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
    if (prefix === 'nano-banana-pro') return { kind: 'google', id: prefix, model: GEMINI_PRO_MODEL };
    if (prefix === 'fal') throw badId(raw, 'fal needs an endpoint id, e.g. fal:fal-ai/nano-banana/edit');
  } else if (prefix === 'google' || prefix === 'nano-banana') {
    if (!MODEL_ID.test(rest) || rest.includes('..')) {
      throw badId(raw, 'a Gemini model id is letters, digits, ".", "_" and "-", e.g. google:gemini-3-pro-image');
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
    return falSpec(rest);
  }

  throw new FrameForgeError('unknown_provider', `Unknown provider "${raw}".`, {
    subject: 'provider',
    hint: `Known providers: ${LISTED_PROVIDER_IDS.join(', ')} (any fal:<endpoint-id> works).`,
  });
}
