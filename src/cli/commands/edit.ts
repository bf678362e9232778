/**
 * `frameforge edit`: plans where each input's result goes (files and
 * directories alike, see core/batch/plan.ts), runs the edits through the
 * shared core with bounded concurrency, writes each result atomically,
 * records each item in the run manifest, and reports progress.
 */
import path from 'node:path';
import { loadConfig, type Config } from '../../core/config.js';
import { editImage, effectivePrompt } from '../../core/edit.js';
import { FrameForgeError, toFrameForgeError } from '../../core/errors.js';
import { sniffFormat } from '../../core/image-format.js';
import { defaultOutputFormat, formatFromExtension, type OutputFormat } from '../../core/images.js';
import { readInputFile } from '../../core/read-input.js';
import type { RetryInfo } from '../../core/retry.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { checkExistingOutput } from '../../core/batch/existing-output.js';
import { MANIFEST_FILE_NAME, openManifest, type Manifest, type ManifestLine } from '../../core/batch/manifest.js';
import { planBatch, type Plan } from '../../core/batch/plan.js';
import { runPool } from '../../core/batch/run-pool.js';
import { buildStagingPrompt, usesPreset } from '../../core/staging/prompt.js';
import { parseProvider, resolveProvider, type ResolvedProvider } from '../../providers/registry.js';
import type { EditOptions, ProviderKind } from '../../providers/types.js';
import { isInteractive, writeJson, type CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';
import { createProgress, type ItemRef, type Progress, type Summary } from '../progress.js';

export interface EditCommandOptions {
  prompt?: string;
  provider?: string;
  out?: string;
  with?: string[];
  room?: string;
  style?: string;
  declutter?: boolean;
  format?: string;
  aspectRatio?: string;
  seed?: string;
  imageField?: 'image_url' | 'image_urls';
  recursive?: boolean;
  concurrency?: string;
  name?: string;
  manifest?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

export interface EditItem {
  input: string;
  output: string;
}

export type ItemResult =
  | {
      status: 'done';
      item: EditItem;
      providerId: string;
      model: string;
      mock: boolean;
      fallback?: string;
      warnings: string[];
      attempts: number;
      durationMs: number;
      requestId?: string;
      /** Set when an empty or truncated leftover at the output path was replaced. */
      replaced?: string;
    }
  | { status: 'skipped'; item: EditItem; reason: string }
  | { status: 'failed'; item: EditItem; error: FrameForgeError; attempts: number; durationMs: number };

/**
 * Edits in flight at once when --concurrency is not given. Provider calls
 * take seconds and are network-bound, so a few in flight hide the latency;
 * more mostly buys 429s. Gemini and fal answer 429 quickly under bursts on
 * ordinary quotas, hence 4; the mock costs nothing, hence 8.
 */
export const DEFAULT_CONCURRENCY: Record<ProviderKind, number> = { mock: 8, google: 4, fal: 4 };
const MAX_CONCURRENCY = 64;

function normalizeFormat(value: string | undefined): OutputFormat | undefined {
  if (value === undefined) return undefined;
  return value === 'jpg' ? 'jpeg' : (value as OutputFormat);
}

function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new FrameForgeError('usage', `--seed must be a whole number, got "${value}".`, { subject: '--seed' });
  return Number(value);
}

export function parseConcurrency(value: string | undefined, kind: ProviderKind): number {
  if (value === undefined) return DEFAULT_CONCURRENCY[kind];
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new FrameForgeError('usage', `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got "${value}".`, {
      subject: '--concurrency',
    });
  }
  return n;
}

function planFor(inputs: string[], options: EditCommandOptions, format: OutputFormat | undefined, cwd: string, providerId: string): Promise<Plan> {
  return planBatch({
    inputs,
    cwd,
    providerId,
    recursive: Boolean(options.recursive),
    ...(options.out !== undefined ? { out: options.out } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(format ? { format } : {}),
    references: options.with ?? [],
  });
}

export interface RunContext {
  config: Config;
  resolved: ResolvedProvider;
  prompt?: string;
  format?: OutputFormat;
  editOptions: EditOptions;
  references: { data: Buffer; name: string }[];
  force: boolean;
  cwd: string;
  signal: AbortSignal;
  onRetry?: (item: EditItem, info: RetryInfo) => void;
}

/** Edits one item: the unit a batch runs many of. Never throws; the result says what happened. */
export async function runItem(item: EditItem, ctx: RunContext): Promise<ItemResult> {
  const started = performance.now();
  const outputPath = path.resolve(ctx.cwd, item.output);
  let attempts = 1;
  try {
    // Resume: a whole image at the output is a finished item; an empty or cut-off one is redone.
    const existing = ctx.force ? undefined : await checkExistingOutput(outputPath);
    if (existing?.state === 'valid') return { status: 'skipped', item, reason: 'output exists' };
    // Not an image at all: not a leftover of ours but someone's file, so it is left alone.
    if (existing?.state === 'foreign') return { status: 'skipped', item, reason: 'output exists and is not an image' };
    const replaced = existing?.state === 'invalid' ? existing.reason : undefined;
    const image = await readInputFile(path.resolve(ctx.cwd, item.input), item.input);
    const outcome = await editImage(
      ctx.resolved,
      {
        image: { data: image.data, name: item.input },
        references: ctx.references,
        ...(ctx.prompt !== undefined ? { prompt: ctx.prompt } : {}),
        format: ctx.format ?? formatFromExtension(item.output) ?? defaultOutputFormat(sniffFormat(image.data) ?? 'png'),
        options: ctx.editOptions,
        signal: ctx.signal,
        onRetry: (info) => {
          attempts = info.attempt + 1;
          ctx.onRetry?.(item, info);
        },
      },
      ctx.config,
    );
    // No abort check here: a result that arrived is paid for, and writing it takes milliseconds.
    await writeFileAtomic(outputPath, outcome.data, { overwrite: ctx.force || replaced !== undefined });
    return {
      status: 'done',
      item,
      providerId: outcome.providerId,
      model: outcome.model,
      mock: outcome.mock,
      ...(outcome.fallback ? { fallback: outcome.fallback } : {}),
      warnings: replaced ? [`replaced ${item.output}: ${replaced}`, ...outcome.warnings] : outcome.warnings,
      attempts: outcome.attempts,
      durationMs: Math.round(performance.now() - started),
      ...(outcome.requestId ? { requestId: outcome.requestId } : {}),
      ...(replaced ? { replaced } : {}),
    };
  } catch (error) {
    return { status: 'failed', item, error: toFrameForgeError(error), attempts, durationMs: Math.round(performance.now() - started) };
  }
}

async function askInteractively(config: Config, options: EditCommandOptions): Promise<{ prompt: string; provider: string }> {
  const { input, select } = await import('@inquirer/prompts');
  const { listProviders } = await import('../../providers/registry.js');
  const prompt = await input({ message: 'Prompt', default: config.defaultPrompt });
  const providers = listProviders(config);
  const usable = (p: (typeof providers)[number]) => p.ready || config.devMode;
  // Ready providers first; the cursor starts on the default if it can run, else on the first that can.
  const choices = [...providers.filter(usable), ...providers.filter((p) => !usable(p))].map((p) => ({
    name: p.id,
    value: p.id,
    ...(usable(p) ? {} : { disabled: `(needs ${p.needs})` }),
  }));
  const preferred = providers.find((p) => p.default && usable(p)) ?? providers.find(usable);
  const provider =
    options.provider ?? (await select({ message: 'Provider', choices, ...(preferred ? { default: preferred.id } : {}) }));
  return { prompt, provider };
}

export async function editCommand(
  inputs: string[],
  options: EditCommandOptions,
  globals: GlobalOptions,
  io: CliIO,
): Promise<number> {
  const config = await loadConfig({ cwd: io.cwd, env: io.env, ...(globals.config ? { configFile: globals.config } : {}) });
  let { prompt, provider } = options;
  const staging = { room: options.room, style: options.style, declutter: options.declutter };
  if (prompt === undefined && !usesPreset(staging) && !options.json && !options.dryRun && isInteractive(io)) {
    ({ prompt, provider } = await askInteractively(config, options));
  }
  // With a preset, the user's --prompt becomes an extra instruction inside it.
  prompt = buildStagingPrompt({ ...staging, prompt }) ?? prompt;
  // Planning needs only the id (for {provider}), so a dry run works without a key.
  const spec = parseProvider(provider?.trim() ? provider : config.defaultProvider, config);
  const concurrency = parseConcurrency(options.concurrency, spec.kind);
  const format = normalizeFormat(options.format);
  const plan = await planFor(inputs, options, format, io.cwd, spec.id);
  const manifestPath = options.manifest ?? (plan.outDir !== undefined ? path.join(plan.outDir, MANIFEST_FILE_NAME) : undefined);
  if (manifestPath !== undefined && plan.items.some((i) => path.resolve(io.cwd, i.input) === path.resolve(io.cwd, manifestPath))) {
    throw new FrameForgeError('usage', `Refusing to write the manifest to ${manifestPath}: it is an input.`, { subject: '--manifest' });
  }
  if (options.dryRun) return dryRun(plan, options, io);

  const resolved = await resolveProvider(provider, config);
  const references = await Promise.all(
    (options.with ?? []).map((ref) => readInputFile(path.resolve(io.cwd, ref), ref).then((r) => ({ data: r.data, name: ref }))),
  );
  const seed = parseSeed(options.seed);
  const progress = await createProgress(io, { json: Boolean(options.json), verbose: globals.verbose ?? false });
  const ctx: RunContext = {
    config,
    resolved,
    ...(prompt !== undefined ? { prompt } : {}),
    ...(format ? { format } : {}),
    editOptions: {
      ...(options.aspectRatio ? { aspectRatio: options.aspectRatio } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(options.imageField ? { imageField: options.imageField } : {}),
    },
    references,
    force: Boolean(options.force),
    cwd: io.cwd,
    signal: io.signal,
    onRetry: (item, info) => progress.retry(item, info),
  };
  for (const warning of resolved.warnings) io.stderr.write(`warning: ${warning}\n`);
  const manifest = manifestPath !== undefined ? openManifest(path.resolve(io.cwd, manifestPath)) : undefined;
  try {
    return await runBatch(plan, ctx, { io, progress, manifest, manifestPath, concurrency, prompt: effectivePrompt(prompt, config) });
  } finally {
    manifest?.close();
  }
}

interface BatchRun {
  io: CliIO;
  progress: Progress;
  manifest: Manifest | undefined;
  manifestPath: string | undefined;
  concurrency: number;
  prompt: string;
}

async function runBatch(plan: Plan, ctx: RunContext, run: BatchRun): Promise<number> {
  const { io, progress, manifest } = run;
  const started = performance.now();
  const runId = new Date().toISOString();
  const { provider } = ctx.resolved;
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
    progress.report({ event: 'skipped', item: { input: file.input }, reason: file.reason });
    line({ input: file.input }, { status: 'skipped', reason: file.reason });
  }
  progress.start(plan.items.length, `Editing ${plan.items.length} images with ${provider.id}, ${run.concurrency} at a time.`);

  // A configuration error (an invalid key) fails every item alike: stop starting
  // new ones rather than spend the whole batch on the same refusal.
  const stop = new AbortController();
  const stopStarting = AbortSignal.any([io.signal, stop.signal]);
  let configError: FrameForgeError | undefined;
  const counts = { done: 0, skipped: 0, failed: 0, cancelled: 0 };
  const cancelled: ItemRef[] = [];

  const { notStarted } = await runPool(
    plan.items,
    run.concurrency,
    async (item) => {
      const result = await runItem(item, ctx);
      if (result.status === 'done') {
        counts.done++;
        const { status: _s, item: _i, warnings, mock, fallback, replaced: _r, ...details } = result;
        line(item, { status: 'done', model: result.model, provider: result.providerId, attempts: result.attempts, durationMs: result.durationMs, mock, ...(result.requestId ? { requestId: result.requestId } : {}) });
        progress.report({ event: 'done', item, details, warnings, mock, ...(fallback ? { fallback } : {}) });
      } else if (result.status === 'skipped') {
        counts.skipped++;
        line(item, { status: 'skipped', reason: result.reason });
        progress.report({ event: 'skipped', item, reason: result.reason });
      } else if (result.error.code === 'cancelled' && io.signal.aborted) {
        counts.cancelled++;
        cancelled.push(item);
        line(item, { status: 'cancelled', attempts: result.attempts, durationMs: result.durationMs });
        progress.report({ event: 'cancelled', item });
      } else {
        counts.failed++;
        line(item, {
          status: 'failed',
          error: { code: result.error.code, message: result.error.detail },
          attempts: result.attempts,
          durationMs: result.durationMs,
        });
        progress.report({ event: 'failed', item, error: result.error });
        if (result.error.exitCode === 2 && !configError) {
          configError = result.error;
          stop.abort();
        }
      }
      return result;
    },
    stopStarting,
  );

  const remaining = [...cancelled, ...notStarted.map((i) => plan.items[i]!)];
  const summary: Summary = {
    total: plan.items.length,
    ...counts,
    remaining,
    interrupted: io.signal.aborted,
    ...(run.manifestPath !== undefined ? { manifest: run.manifestPath } : {}),
    durationMs: Math.round(performance.now() - started),
  };
  progress.finish(summary);
  if (io.signal.aborted) return 130;
  if (configError) return configError.exitCode;
  return counts.failed > 0 ? 1 : 0;
}

/** Lists what a run would do, calling no provider and writing nothing. */
async function dryRun(plan: Plan, options: EditCommandOptions, io: CliIO): Promise<number> {
  const counts = { edit: 0, skip: 0 };
  for (const file of plan.ignored) {
    if (options.json) writeJson(io, { event: 'skipped', input: file.input, reason: file.reason });
    else io.stderr.write(`skipped ${file.input}: ${file.reason}\n`);
  }
  for (const item of plan.items) {
    const existing = options.force ? undefined : await checkExistingOutput(path.resolve(io.cwd, item.output));
    const action = existing?.state === 'valid' || existing?.state === 'foreign' ? 'skip' : 'edit';
    counts[action]++;
    const note = action === 'skip' ? ' (output exists: skipped)' : existing?.state === 'invalid' ? ` (redo: ${existing.reason})` : '';
    if (options.json) writeJson(io, { event: 'planned', input: item.input, output: item.output, action });
    else io.stdout.write(`${item.input} -> ${item.output}${note}\n`);
  }
  if (options.json) writeJson(io, { event: 'summary', dryRun: true, total: plan.items.length, ...counts, ignored: plan.ignored.length });
  else io.stderr.write(`Dry run: ${counts.edit} to edit, ${counts.skip} already done, ${plan.ignored.length} not images. Nothing was called or written.\n`);
  return 0;
}
