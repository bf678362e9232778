/**
 * Reads an edit's multipart form, shared by POST /api/edit and POST /api/jobs:
 * the image first, then references, the provider, and the prompt (built from
 * the staging fields `room`, `style`, `declutter` when they are sent),
 * whether to write the disclosure, and the output options `size` and
 * `aspect_ratio` (as `--size` and `--aspect-ratio`).
 */
import type { IncomingMessage } from 'node:http';
import { checkVariations, type ImageInput } from '../../core/edit.js';
import { FrameForgeError } from '../../core/errors.js';
import { parseLabel, type LabelOptions } from '../../core/staging/label.js';
import { parseSizeRequest } from '../../core/output-size.js';
import { buildStagingPrompt } from '../../core/staging/prompt.js';
import type { EditOptions } from '../../providers/types.js';
import { readMultipart, type MultipartLimits } from '../multipart.js';

/** `images` is the contract's field; older clients send `image` or `image[]`. */
export const IMAGE_FIELDS: ReadonlySet<string> = new Set(['images', 'image', 'image[]', 'images[]']);

export interface EditForm {
  image: ImageInput;
  references: ImageInput[];
  provider: string | undefined;
  prompt: string | undefined;
  /** Write the "virtually staged" disclosure into the result (on unless `disclosure=false`). */
  disclosure: boolean;
  /** A visible label (`label`, `label_position`). */
  label: LabelOptions | undefined;
  /** Use the result cache (on unless `cache=false`). */
  cache: boolean;
  /** `size` and `aspect_ratio`; an empty field means not given. */
  options: EditOptions;
  /** `variations`: how many results, 1 to 4 (1 when not sent). */
  variations: number;
  /** Every text field, for the fields a door adds (a job's webhook_url). */
  fields: Map<string, string>;
}

export interface EditFormOptions {
  limits: MultipartLimits;
  uploadIdleMs: number;
  /** An upload slower than this over `uploadRateWindowMs` is refused with 408 (MIN_UPLOAD_BYTES_PER_SECOND). */
  minUploadBytesPerSecond?: number;
  uploadRateWindowMs?: number;
}

/** A form checkbox: `true`/`1`/`on`/`yes` or `false`/`0`/`off`/`no`/empty; anything else is refused. */
export function isTrue(value: string | undefined, field: string): boolean {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'false' || v === '0' || v === 'off' || v === 'no') return false;
  if (v === 'true' || v === '1' || v === 'on' || v === 'yes') return true;
  throw new FrameForgeError('bad_request', `The form field "${field}" must be true or false; got "${value}".`, { subject: field });
}

export async function readEditForm(req: IncomingMessage, options: EditFormOptions): Promise<EditForm> {
  const form = await readMultipart(req, {
    limits: options.limits,
    fileFields: IMAGE_FIELDS,
    idleMs: options.uploadIdleMs,
    ...(options.minUploadBytesPerSecond ? { minBytesPerSecond: options.minUploadBytesPerSecond } : {}),
    ...(options.uploadRateWindowMs ? { rateWindowMs: options.uploadRateWindowMs } : {}),
  });
  // The files as read, in pieces (core/image-pieces.ts): reading `data` here would join them, a copy of the upload.
  const [image, ...references]: ImageInput[] = form.files;
  if (!image) {
    throw new FrameForgeError('missing_image', 'No image was sent.', {
      subject: 'images',
      hint: 'Send the photo as a file in the form field "images".',
    });
  }
  const { fields } = form;
  const userPrompt = fields.get('prompt');
  const staging = {
    room: fields.get('room'),
    style: fields.get('style'),
    declutter: isTrue(fields.get('declutter'), 'declutter'),
  };
  const prompt = buildStagingPrompt({ ...staging, prompt: userPrompt }, { room: 'room', style: 'style' }) ?? userPrompt;
  const disclosure = fields.get('disclosure') === undefined || isTrue(fields.get('disclosure'), 'disclosure');
  const label = parseLabel(fields.get('label'), fields.get('label_position') || undefined, { text: 'label', position: 'label_position' });
  const cache = fields.get('cache') === undefined || isTrue(fields.get('cache'), 'cache');
  const size = fields.get('size')?.trim();
  const aspectRatio = fields.get('aspect_ratio')?.trim();
  const editOptions: EditOptions = {
    ...(size ? { size: parseSizeRequest(size, 'size') } : {}),
    ...(aspectRatio ? { aspectRatio } : {}),
  };
  const variations = parseVariationsField(fields.get('variations'));
  return { image, references, provider: fields.get('provider'), prompt, disclosure, label, cache, options: editOptions, variations, fields };
}

/** The form field `variations`: empty or missing is 1; anything but 1 to 4 is 400 invalid_option. */
function parseVariationsField(raw: string | undefined): number {
  const value = raw?.trim();
  if (!value) return 1;
  return checkVariations(/^\d+$/.test(value) ? Number(value) : NaN, 'variations');
}
