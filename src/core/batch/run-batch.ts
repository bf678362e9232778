/**
 * The batch loop, one for every way of running items: report the files that
 * were left out, run the planned items through `runItem` with bounded
 * concurrency, record each in the manifest, report progress, and stop
 * starting new items on Ctrl-C or on a configuration error.
 */
import type { FrameForgeError } from '../errors.js';
import type { BatchReporter, BatchSummary, ItemRef } from './events.js';
import type { Manifest, ManifestLine } from './manifest.js';
import type { Plan } from './plan.js';
import { runItem, type ItemContext } from './run-item.js';
import { roundUsd } from '../staging/prices.js';
import { runPool } from './run-pool.js';

export interface BatchRun {
  reporter: BatchReporter;
  manifest: Manifest | undefined;
  /** As the user gave it, for the summary. */
  manifestPath: string | undefined;
  concurrency: number;
  /** The prompt sent, for the manifest. */
  prompt: string;
  /** The provider chosen, for the start line and the manifest lines of items it never saw. */
  provider: { id: string; model: string };
  /** Who edits, for the start line when it is not this process ("the workers of redis://host:6379"). */
  via?: string;
}

export interface BatchOutcome {
  /** --max-cost stopped the batch: the remaining items were not started. */
  overBudget?: boolean;
  summary: BatchSummary;
  /** The configuration error (exit code 2) that stopped the batch, if one did. */
  configError?: FrameForgeError;
  /** The errors of the items that failed. */
  errors: FrameForgeError[];
}

/**
 * Exit-2 errors about one input (it vanished, cannot be read, is a folder):
 * that item fails and the others go on. Every other exit-2 error is about the
 * setup (a key, the provider, an option) and would fail every item alike.
 */
const INPUT_ERRORS: ReadonlySet<string> = new Set(['input_not_found', 'input_unreadable', 'usage']);

export async function runBatch(plan: Plan, ctx: ItemContext, run: BatchRun): Promise<BatchOutcome> {
  const { reporter, manifest, provider } = run;
  const started = performance.now();
  const runId = new Date().toISOString();
  const line = (item: { input: string; output?: string }, fields: Partial<ManifestLine> & Pick<ManifestLine, 'status'>): void =>
    manifest?.write({
      run: runId,
      input: item.input,
      output: item.output ?? null,
      provider: provider.id,
      model: provider.model,
      prompt: run.prompt,
      ...fields,
      finishedAt: new Date().toISOString(),
    });

  for (const file of plan.ignored) {
    reporter.report({ event: 'skipped', item: { input: file.input }, reason: file.reason, ...(file.folder ? { folder: true } : {}) });
    line({ input: file.input }, { status: 'skipped', reason: file.reason });
  }
  const total = plan.items.length;
  const lanes = Math.min(run.concurrency, total);
  const where = run.via ? ` on ${run.via}` : '';
  reporter.start(total, `Editing ${total} ${total === 1 ? 'image' : 'images'} with ${provider.id}${where}, ${lanes} at a time.`);

  // A configuration error (an invalid key) fails every item alike: stop starting
  // new ones rather than spend the whole batch on the same refusal.
  const stop = new AbortController();
  const stopStarting = AbortSignal.any([ctx.signal, stop.signal]);
  let configError: FrameForgeError | undefined;
  const errors: FrameForgeError[] = [];
  const counts = { done: 0, skipped: 0, failed: 0, cancelled: 0 };
  const cancelled: ItemRef[] = [];
  const overBudget: ItemRef[] = [];
  // What the edits done cost (cache hits count 0); undefined while no price is known.
  let cost: number | undefined;

  const { notStarted } = await runPool(
    plan.items,
    run.concurrency,
    async (item) => {
      const result = await runItem(item, ctx);
      if (result.status === 'done') {
        counts.done++;
        if (result.costUsd !== undefined) cost = (cost ?? 0) + result.costUsd;
        const { status: _s, item: _i, warnings, mock, fallback, replaced: _r, ...details } = result;
        // With variations, the item's files are its outputs; `output` names the first.
        const written = result.outputs ? { input: item.input, output: result.outputs[0]! } : item;
        line(written, { ...(result.outputs ? { outputs: result.outputs } : {}), status: 'done', model: result.model, provider: result.providerId, attempts: result.attempts, durationMs: result.durationMs, mock, ...(result.cached ? { cached: true } : {}), ...(result.costUsd !== undefined ? { estimatedCostUsd: result.costUsd } : {}), ...(result.requestId ? { requestId: result.requestId } : {}) });
        reporter.report({ event: 'done', item: written, details, warnings, mock, ...(fallback ? { fallback } : {}) });
      } else if (result.status === 'skipped') {
        counts.skipped++;
        line(item, { status: 'skipped', reason: result.reason });
        reporter.report({ event: 'skipped', item, reason: result.reason });
      } else if (result.error.code === 'cancelled' && ctx.signal.aborted) {
        counts.cancelled++;
        cancelled.push(item);
        line(item, { status: 'cancelled', attempts: result.attempts, durationMs: result.durationMs });
        reporter.report({ event: 'cancelled', item });
      } else if (result.error.code === 'budget_exceeded') {
        // Not an attempt that failed: the item never started, and nothing after it will.
        overBudget.push(item);
        line(item, { status: 'not_started', reason: result.error.message });
        stop.abort();
      } else {
        counts.failed++;
        line(item, {
          status: 'failed',
          error: { code: result.error.code, message: result.error.detail },
          attempts: result.attempts,
          durationMs: result.durationMs,
        });
        errors.push(result.error);
        reporter.report({ event: 'failed', item, error: result.error });
        if (result.error.exitCode === 2 && !INPUT_ERRORS.has(result.error.code) && !configError) {
          configError = result.error;
          stop.abort();
        }
      }
      return result;
    },
    stopStarting,
  );

  const remaining = [...cancelled, ...overBudget, ...notStarted.map((i) => plan.items[i]!)];
  const summary: BatchSummary = {
    total: plan.items.length,
    ...counts,
    ignored: plan.ignored.length,
    remaining,
    interrupted: ctx.signal.aborted,
    ...(run.manifestPath !== undefined ? { manifest: run.manifestPath } : {}),
    durationMs: Math.round(performance.now() - started),
    ...(cost !== undefined ? { estimatedCostUsd: roundUsd(cost) } : {}),
  };
  reporter.finish(summary);
  return { summary, errors, ...(configError ? { configError } : {}), ...(overBudget.length > 0 ? { overBudget: true } : {}) };
}
