/**
 * Gemini image models through @google/genai. (Built in the providers issue.)
 */
import { FrameForgeError } from '../core/errors.js';
import type { Provider } from './types.js';

export interface GoogleProviderOptions {
  id: string;
  model: string;
  apiKey: string;
  baseUrl?: string;
}

export function createGoogleProvider(options: GoogleProviderOptions): Provider {
  return {
    id: options.id,
    kind: 'google',
    model: options.model,
    limits: { maxEdge: 3072, maxImages: 14 },
    edit() {
      return Promise.reject(new FrameForgeError('provider_error', 'The Gemini adapter is not built yet.'));
    },
  };
}
