/**
 * Reads an input image file from disk, with errors that name the path.
 * Inputs are only ever read: nothing here opens a file for writing.
 */
import { readFile, stat } from 'node:fs/promises';
import { FrameForgeError } from './errors.js';
import type { ImageInput } from './edit.js';

/** Larger files are refused before they are read into memory. */
export const MAX_INPUT_FILE_BYTES = 200 * 1024 * 1024;

/** `filePath` is opened; `name` (the path as the user gave it) is what messages show. */
export async function readInputFile(filePath: string, name: string = filePath): Promise<ImageInput> {
  let info;
  try {
    info = await stat(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FrameForgeError('input_not_found', code === 'ENOENT' ? `${name} does not exist.` : `Cannot read ${name} (${code}).`, {
      subject: name,
      cause: error,
    });
  }
  if (!info.isFile()) {
    throw new FrameForgeError('usage', `${name} is not a file.`, { subject: name });
  }
  if (info.size > MAX_INPUT_FILE_BYTES) {
    throw new FrameForgeError('file_too_large', `${name} is ${info.size} bytes, more than the ${MAX_INPUT_FILE_BYTES} FrameForge reads.`, {
      subject: name,
    });
  }
  return { data: await readFile(filePath), name };
}
