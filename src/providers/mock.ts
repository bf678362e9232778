/**
 * The offline provider: no network, no key. It answers with the first input
 * image exactly as the core prepared it (upright, metadata stripped), so the
 * whole pipeline can be tried, tested and demoed without an account.
 * Every result is marked `mock: true`; the CLI and the server pass that mark on.
 */
import type { EditContext, EditRequest, EditResult, Provider } from './types.js';

export interface MockProviderOptions {
  /** Milliseconds each edit takes, to exercise progress, timeouts and shutdown. */
  delayMs?: number;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function createMockProvider(options: MockProviderOptions = {}): Provider {
  return {
    id: 'mock',
    kind: 'mock',
    model: 'mock',
    limits: { maxEdge: 4096, maxImages: 16 },
    async edit(request: EditRequest, context: EditContext): Promise<EditResult> {
      if (options.delayMs) await delay(options.delayMs, context.signal);
      context.signal.throwIfAborted();
      const [first] = request.images;
      if (!first) throw new Error('mock provider called without an image');
      const warnings: string[] = [];
      if (request.options.aspectRatio && request.options.aspectRatio !== 'auto') {
        warnings.push(`The mock provider ignores aspect ratio ${request.options.aspectRatio}.`);
      }
      return { data: first.data, mimeType: first.mimeType, warnings, model: 'mock', mock: true, attempts: 1 };
    },
  };
}
