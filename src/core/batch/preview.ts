/**
 * `--dry-run`: what a run of a plan would do to each item, by the same resume
 * rule the loop uses, calling no provider and writing nothing.
 */
import path from 'node:path';
import { checkExistingOutput } from './existing-output.js';
import type { Plan, PlannedItem } from './plan.js';
import { variationPaths } from './run-item.js';

export interface PreviewedItem {
  item: PlannedItem;
  action: 'edit' | 'skip';
  /** Why an existing output will be redone (empty, truncated). */
  redo?: string;
}

export async function previewPlan(plan: Plan, options: { cwd: string; force: boolean; variations?: number }): Promise<PreviewedItem[]> {
  const previewed: PreviewedItem[] = [];
  for (const item of plan.items) {
    if (options.force) {
      previewed.push({ item, action: 'edit' });
      continue;
    }
    // An item is done only when every variation is there (run-item.ts decides the same way).
    const files = variationPaths(item.output, options.variations ?? 1);
    const existing = await Promise.all(files.map((file) => checkExistingOutput(path.resolve(options.cwd, file))));
    const skip = existing.every((e) => e.state === 'valid') || existing.some((e) => e.state === 'foreign');
    const invalid = existing.find((e) => e.state === 'invalid');
    const partly = !skip && existing.some((e) => e.state === 'valid') ? 'some variations are missing' : undefined;
    const redo = invalid?.state === 'invalid' ? invalid.reason : partly;
    previewed.push({ item, action: skip ? 'skip' : 'edit', ...(!skip && redo ? { redo } : {}) });
  }
  return previewed;
}
