/**
 * `--dry-run`: what a run of a plan would do to each item, by the same resume
 * rule the loop uses, calling no provider and writing nothing.
 */
import path from 'node:path';
import { checkExistingOutput } from './existing-output.js';
import type { Plan, PlannedItem } from './plan.js';

export interface PreviewedItem {
  item: PlannedItem;
  action: 'edit' | 'skip';
  /** Why an existing output will be redone (empty, truncated). */
  redo?: string;
}

export async function previewPlan(plan: Plan, options: { cwd: string; force: boolean }): Promise<PreviewedItem[]> {
  const previewed: PreviewedItem[] = [];
  for (const item of plan.items) {
    const existing = options.force ? undefined : await checkExistingOutput(path.resolve(options.cwd, item.output));
    const action = existing?.state === 'valid' || existing?.state === 'foreign' ? 'skip' : 'edit';
    previewed.push({ item, action, ...(existing?.state === 'invalid' ? { redo: existing.reason } : {}) });
  }
  return previewed;
}
