/**
 * What a rerun finds at an item's output path. Only a whole, valid image
 * counts as done; an empty or truncated leftover (from another tool, a full
 * disk, a crash outside our atomic writes) is redone. A file that is not an
 * image at all is someone else's: it is neither trusted nor overwritten.
 */
import { readFile } from 'node:fs/promises';
import { findTruncation, sniffFormat } from '../image-format.js';

export type ExistingOutput =
  | { state: 'missing' }
  | { state: 'valid' }
  | { state: 'invalid'; reason: string }
  | { state: 'foreign' };

export async function checkExistingOutput(file: string): Promise<ExistingOutput> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    // A directory or an unreadable file in the way: let the write report it.
    return { state: 'foreign' };
  }
  if (data.length === 0) return { state: 'invalid', reason: 'it is empty' };
  const format = sniffFormat(data);
  if (!format) return { state: 'foreign' };
  const truncation = findTruncation(data, format);
  return truncation ? { state: 'invalid', reason: `it is truncated: ${truncation}` } : { state: 'valid' };
}
