/** Answers an edited image with the headers both /api/edit and a job's result carry. */
import type { ServerResponse } from 'node:http';

export interface ImageAnswer {
  readonly data: Buffer;
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
  res.setHeader('Content-Length', image.data.length);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-FrameForge-Provider', image.providerId);
  if (image.mock) res.setHeader('X-FrameForge-Mock', 'true');
  if (image.fallback) res.setHeader('X-FrameForge-Fallback', image.fallback);
  if (image.cached) res.setHeader('X-FrameForge-Cache', 'hit');
  res.end(image.data);
}
