/** Answers an edited image with the headers both /api/edit and a job's result carry. */
import type { ServerResponse } from 'node:http';

export interface ImageAnswer {
  readonly data: Buffer;
  /** The same bytes in pieces (EditOutcome.chunks): written as they are, `data` is never made. */
  readonly chunks?: readonly Buffer[];
  readonly mimeType: string;
  readonly providerId: string;
  readonly mock: boolean;
  readonly fallback?: 'mock';
  /** True when the result cache answered (no provider call). */
  readonly cached?: boolean;
}

export function sendImage(res: ServerResponse, image: ImageAnswer): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', image.mimeType);
  const chunks = image.chunks ?? [image.data];
  res.setHeader('Content-Length', chunks.reduce((sum, c) => sum + c.length, 0));
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-FrameForge-Provider', image.providerId);
  if (image.mock) res.setHeader('X-FrameForge-Mock', 'true');
  if (image.fallback) res.setHeader('X-FrameForge-Fallback', image.fallback);
  if (image.cached) res.setHeader('X-FrameForge-Cache', 'hit');
  if (chunks.length === 1) {
    res.end(chunks[0]);
    return;
  }
  // Corked: the headers and every piece leave in one write, as one buffer would (end() uncorks).
  res.cork();
  for (const chunk of chunks) res.write(chunk);
  res.end();
}
