/**
 * Writes a file so that readers only ever see nothing or the whole file:
 * the bytes go to a temporary file in the same directory, are flushed, then
 * moved into place. Without `overwrite`, the move is a hard link, which fails
 * if the target appeared meanwhile: an existing file is never clobbered, even
 * by a concurrent run.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FrameForgeError } from './errors.js';

export interface AtomicWriteOptions {
  overwrite?: boolean;
}

export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(target: string, data: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite) {
      await rename(temp, target);
    } else {
      await link(temp, target);
      await unlink(temp);
    }
  } catch (error) {
    await unlink(temp).catch(() => {});
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new FrameForgeError('output_error', `${target} already exists.`, {
        subject: target,
        hint: 'Use --force to overwrite it.',
        cause: error,
      });
    }
    throw new FrameForgeError('output_error', `Could not write ${target}: ${(error as Error).message}`, {
      subject: target,
      cause: error,
    });
  }
}
