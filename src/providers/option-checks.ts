/**
 * Options a model cannot take (an aspect ratio it lacks), refused with
 * `invalid_option` from the provider id alone: no key, no SDK, no network.
 * The providers' `validate` uses these, and so does `POST /api/jobs`, which
 * must refuse at submission what `POST /api/edit` refuses, before anything is
 * queued (a worker would only fail the job later).
 */
import { FrameForgeError } from '../core/errors.js';
import { checkFalOptions } from './fal-inputs.js';
import { geminiModelOrDefault, type GeminiModel } from './gemini-models.js';
import type { ProviderSpec } from './provider-id.js';
import type { EditOptions } from './types.js';

/** Refuses an `--aspect-ratio` the Gemini model does not list, naming those it does. */
export function checkGeminiOptions(row: GeminiModel, id: string, options: EditOptions): void {
  const asked = options.aspectRatio;
  if (asked === undefined || asked === 'auto' || row.aspectRatios.includes(asked)) return;
  throw new FrameForgeError('invalid_option', `${id} (${row.id}) does not take the aspect ratio "${asked}". Valid: auto, ${row.aspectRatios.join(', ')}.`, {
    subject: 'aspect-ratio',
  });
}

/** The same checks the provider's `validate` makes, for a provider not built yet. */
export function checkOptionsFor(spec: ProviderSpec, options: EditOptions): void {
  if (spec.kind === 'google') checkGeminiOptions(geminiModelOrDefault(spec.model), spec.id, options);
  else if (spec.kind === 'fal') checkFalOptions(spec.endpoint, options);
}
