/**
 * The run manifest: one JSON line per item, appended as each item finishes,
 * so a crash or a Ctrl-C loses at most the items still in flight. Reruns
 * append to the same file; each line carries its run's id, and the last line
 * for an input is its current state. Lines are written with synchronous
 * appends on purpose: a line is on disk before the next item is reported,
 * even if a second Ctrl-C ends the process at once.
 */
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { FrameForgeError } from '../errors.js';

export const MANIFEST_FILE_NAME = 'frameforge-manifest.jsonl';

export type ManifestStatus = 'done' | 'skipped' | 'failed' | 'cancelled' | 'not_started';

export interface ManifestLine {
  run: string;
  input: string;
  /** null for a file that was not edited because it is not an image. With variations: the first. */
  output: string | null;
  /** With `--variations` above 1: every file written for the item, in order. */
  outputs?: string[];
  provider: string;
  model: string;
  prompt: string;
  status: ManifestStatus;
  /** Why an item was skipped (output exists, not an image). */
  reason?: string;
  error?: { code: string; message: string };
  attempts?: number;
  durationMs?: number;
  requestId?: string;
  mock?: boolean;
  /** The result came from the result cache (no provider call, nothing billed). */
  cached?: boolean;
  /** The estimated price of the edit in US dollars, when the model's price is known. */
  estimatedCostUsd?: number;
  finishedAt: string;
}

export interface Manifest {
  readonly path: string;
  write(line: ManifestLine): void;
  close(): void;
}

export function openManifest(file: string): Manifest {
  let fd: number;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    fd = openSync(file, 'a');
  } catch (error) {
    throw new FrameForgeError('output_error', `Cannot write the manifest ${file}: ${(error as Error).message}`, {
      subject: file,
      cause: error,
      hint: 'Choose another place with --manifest.',
    });
  }
  let open = true;
  return {
    path: file,
    write(line) {
      if (open) appendFileSync(fd, `${JSON.stringify(line)}\n`);
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
