/**
 * The offline provider: no network, no key. It answers with the first input
 * image exactly as the core prepared it (upright, metadata stripped), so the
 * whole pipeline can be tried, tested and demoed without an account.
 * Every result is marked `mock: true`; the CLI and the server pass that mark on.
 */
import type { EditContext, EditRequest, EditResult, Provider } from './types.js';
import { withPieces } from '../core/image-pieces.js';
import { sleep } from '../core/sleep.js';

export interface MockProviderOptions {
  /** Milliseconds each edit takes, to exercise progress, timeouts and shutdown. */
  delayMs?: number;
}

export function createMockProvider(options: MockProviderOptions = {}): Provider {
  return {
    id: 'mock',
    kind: 'mock',
    model: 'mock',
    limits: { maxEdge: 4096, maxImages: 16 },
    async edit(request: EditRequest, context: EditContext): Promise<EditResult> {
      if (options.delayMs) await sleep(options.delayMs, context.signal);
      context.signal.throwIfAborted();
      const [first] = request.images;
      if (!first) throw new Error('mock provider called without an image');
      const warnings: string[] = [];
      if (request.options.aspectRatio && request.options.aspectRatio !== 'auto') {
        warnings.push(`The mock provider ignores aspect ratio ${request.options.aspectRatio}.`);
      }
      const result = { mimeType: first.mimeType, warnings, model: 'mock', mock: true, attempts: 1 };
      // An upload's pieces go back as they are: reading `data` would copy them into one buffer.
      return first.pieces ? withPieces(result, first.pieces) : { ...result, data: first.data };
    },
  };
}
