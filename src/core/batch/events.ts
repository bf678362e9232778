/**
 * What a batch run tells whoever watches it. The loop (run-batch.ts) emits
 * these; the CLI turns them into lines, a spinner or JSON (cli/progress.ts).
 * Kept apart from both so the loop knows nothing of terminals.
 */
import type { FrameForgeError } from '../errors.js';
import type { RetryInfo } from '../retry.js';

export interface ItemRef {
  input: string;
  output: string;
}

export type BatchEvent =
  | { event: 'done'; item: ItemRef; details: Record<string, unknown>; warnings: string[]; mock: boolean; fallback?: string }
  | { event: 'skipped'; item: { input: string; output?: string }; reason: string; folder?: boolean }
  | { event: 'failed'; item: ItemRef; error: FrameForgeError }
  | { event: 'cancelled'; item: ItemRef };

export interface BatchSummary {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  cancelled: number;
  /** Files met in folders and not edited (not images, duplicates) and folders that could not be read. */
  ignored: number;
  /** Items not finished because of Ctrl-C (or a configuration error): cancelled in flight plus never started. */
  remaining: ItemRef[];
  interrupted: boolean;
  manifest?: string;
  durationMs: number;
  /** Estimated dollars the edits of this run cost (cache hits count 0); absent when the price is unknown. */
  estimatedCostUsd?: number;
}

export interface BatchReporter {
  /** `total` counts the items that will be edited (or skipped because their output exists). */
  start(total: number, label: string): void;
  report(event: BatchEvent): void;
  retry(item: ItemRef, info: RetryInfo): void;
  finish(summary: BatchSummary): void;
}
