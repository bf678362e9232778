/**
 * fal.ai models through @fal-ai/client. (Built in the providers issue.)
 */
import { FrameForgeError } from '../core/errors.js';
import type { Provider } from './types.js';

export interface FalProviderOptions {
  id: string;
  endpoint: string;
  apiKey: string;
  proxyUrl?: string;
}

export function createFalProvider(options: FalProviderOptions): Provider {
  return {
    id: options.id,
    kind: 'fal',
    model: options.endpoint,
    limits: { maxEdge: 4096, maxImages: 10 },
    edit() {
      return Promise.reject(new FrameForgeError('provider_error', 'The fal adapter is not built yet.'));
    },
  };
}
