/** Awaits a promise that must reject with a FrameForgeError, and returns that error for further checks. */
import { expect } from 'vitest';
import { FrameForgeError } from '../../src/core/errors.js';

export async function failure(promise: Promise<unknown>): Promise<FrameForgeError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FrameForgeError);
  return error as FrameForgeError;
}
