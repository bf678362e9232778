/**
 * Reads an input image file from disk, with errors that name the path.
 * Inputs are only ever read: nothing here opens a file for writing.
 */
import { readFile, stat } from 'node:fs/promises';
import { FrameForgeError } from './errors.js';
import type { ImageInput } from './edit.js';

/** Larger files are refused before they are read into memory. */
export const MAX_INPUT_FILE_BYTES = 200 * 1024 * 1024;

/** A file-system error on an input, as the error a user can act on. */
function inputError(error: unknown, name: string): FrameForgeError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new FrameForgeError('input_not_found', `${name} does not exist.`, { subject: name, cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new FrameForgeError('input_unreadable', `Cannot read ${name}: permission denied.`, {
      subject: name,
      cause: error,
      hint: 'Check the permissions of the file and of the folders above it.',
    });
  }
  return new FrameForgeError('input_unreadable', `Cannot read ${name} (${code ?? (error as Error).message}).`, { subject: name, cause: error });
}

/** `filePath` is opened; `name` (the path as the user gave it) is what messages show. */
export async function readInputFile(filePath: string, name: string = filePath): Promise<ImageInput> {
  let info;
  try {
    info = await stat(filePath);
  } catch (error) {
    throw inputError(error, name);
  }
  if (!info.isFile()) {
    throw new FrameForgeError('usage', `${name} is not a file.`, { subject: name });
  }
  if (info.size > MAX_INPUT_FILE_BYTES) {
    throw new FrameForgeError('file_too_large', `${name} is ${info.size} bytes, more than the ${MAX_INPUT_FILE_BYTES} FrameForge reads.`, {
      subject: name,
    });
  }
  // Between the stat and the read the file may go (a batch runs for minutes) or be locked away.
  try {
    return { data: await readFile(filePath), name };
  } catch (error) {
    throw inputError(error, name);
  }
}
