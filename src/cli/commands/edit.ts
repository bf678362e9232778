/**
 * `frameforge edit`: wiring. Reads the options, plans where each input's
 * result goes (core/batch/plan.ts), and hands the plan to the batch loop
 * (core/batch/run-batch.ts) with an item runner (the core edit in this
 * process, or with --queue a job for `frameforge worker`s: edit-queue.ts) and
 * a reporter that speaks to the terminal or as JSON.
 */
import path from 'node:path';
import { loadConfig, type Config } from '../../core/config.js';
import { callLimit } from '../../core/call-limit.js';
import { effectivePrompt, MAX_VARIATIONS } from '../../core/edit.js';
import { FrameForgeError } from '../../core/errors.js';
import type { OutputFormat } from '../../core/images.js';
import { parseSizeRequest, type SizeRequest } from '../../core/output-size.js';
import { readInputFile } from '../../core/read-input.js';
import { localRunner } from '../../core/batch/local-runner.js';
import { queueRunner } from '../../core/batch/queue-runner.js';
import { redisWhere } from '../../jobs/reach-redis.js';
import { MANIFEST_FILE_NAME, openManifest } from '../../core/batch/manifest.js';
import { planBatch, type Plan } from '../../core/batch/plan.js';
import { previewPlan } from '../../core/batch/preview.js';
import { runBatch } from '../../core/batch/run-batch.js';
import { variationPaths, type ItemContext } from '../../core/batch/run-item.js';
import { parseLabel } from '../../core/staging/label.js';
import { estimateEdit } from '../../core/staging/estimate.js';
import { billedModel, formatUsd, priceRowOf, roundUsd, type PriceRow } from '../../core/staging/prices.js';
import { buildStagingPrompt, usesPreset } from '../../core/staging/prompt.js';
import { parseProvider, resolveProvider } from '../../providers/registry.js';
import type { EditOptions, ProviderKind } from '../../providers/types.js';
import { isInteractive, writeJson, type CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';
import { createProgress } from '../progress.js';
import { openQueue, queueUrlOf, resolveForQueue } from './edit-queue.js';

export interface EditCommandOptions {
  prompt?: string;
  provider?: string;
  out?: string;
  with?: string[];
  room?: string;
  style?: string;
  declutter?: boolean;
  /** false with --no-disclosure (commander's negatable option). */
  disclosure?: boolean;
  label?: string;
  labelPosition?: string;
  compare?: boolean;
  /** false with --no-cache. */
  cache?: boolean;
  maxCost?: string;
  variations?: string;
  format?: string;
  aspectRatio?: string;
  size?: string;
  seed?: string;
  imageField?: 'image_url' | 'image_urls';
  recursive?: boolean;
  concurrency?: string;
  name?: string;
  manifest?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  /** `--queue <redis-url>`, or `--queue` alone (true) for REDIS_URL. */
  queue?: string | boolean;
}

/**
 * Edits in flight at once when --concurrency is not given. Provider calls
 * take seconds and are network-bound, so a few in flight hide the latency;
 * more mostly buys 429s. Gemini and fal answer 429 quickly under bursts on
 * ordinary quotas, hence 4; the mock costs nothing, hence 8.
 */
export const DEFAULT_CONCURRENCY: Record<ProviderKind, number> = { mock: 8, google: 4, fal: 4 };
const MAX_CONCURRENCY = 64;
/** With --queue, --concurrency bounds the jobs queued at once (each holds its input in memory here until it ends). */
const MAX_QUEUED = 10_000;

function normalizeFormat(value: string | undefined): OutputFormat | undefined {
  if (value === undefined) return undefined;
  return value === 'jpg' ? 'jpeg' : (value as OutputFormat);
}

function parseVariations(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_VARIATIONS) {
    throw new FrameForgeError('usage', `--variations must be a whole number from 1 to ${MAX_VARIATIONS}, got "${value}".`, { subject: '--variations' });
  }
  return n;
}

function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new FrameForgeError('usage', `--seed must be a whole number, got "${value}".`, { subject: '--seed' });
  return Number(value);
}

export function parseConcurrency(value: string | undefined, kind: ProviderKind, max = MAX_CONCURRENCY): number {
  if (value === undefined) return DEFAULT_CONCURRENCY[kind];
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new FrameForgeError('usage', `--concurrency must be a whole number from 1 to ${max}, got "${value}".`, {
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
    // Every provider on one page: a scrolled list hides what the others need.
    options.provider ??
    (await select({ message: 'Provider', choices, pageSize: choices.length, ...(preferred ? { default: preferred.id } : {}) }));
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
  const label = parseLabel(options.label, options.labelPosition);
  // Planning needs only the id (for {provider}), so a dry run works without a key.
  const spec = parseProvider(provider?.trim() ? provider : config.defaultProvider, config);
  const queueUrl = queueUrlOf(options.queue, config);
  const variations = parseVariations(options.variations);
  const format = normalizeFormat(options.format);
  const plan = await planFor(inputs, options, format, io.cwd, spec.id);
  // Queued, every item goes to the queue at once by default, for however many workers there are.
  const concurrency =
    queueUrl !== undefined && options.concurrency === undefined
      ? Math.max(1, plan.items.length)
      : parseConcurrency(options.concurrency, spec.kind, queueUrl !== undefined ? MAX_QUEUED : MAX_CONCURRENCY);
  const manifestPath = options.manifest ?? (plan.outDir !== undefined ? path.join(plan.outDir, MANIFEST_FILE_NAME) : undefined);
  if (manifestPath !== undefined && plan.items.some((i) => path.resolve(io.cwd, i.input) === path.resolve(io.cwd, manifestPath))) {
    throw new FrameForgeError('usage', `Refusing to write the manifest to ${manifestPath}: it is an input.`, { subject: '--manifest' });
  }
  const maxCost = parseMaxCost(options.maxCost);
  const priceRow = priceRowOf(spec);
  if (maxCost !== undefined && !priceRow) {
    throw new FrameForgeError('usage', `--max-cost needs a known price, and ${spec.id} has none in FrameForge's price table.`, { subject: '--max-cost' });
  }
  const size = options.size !== undefined ? parseSizeRequest(options.size, '--size') : undefined;
  if (options.dryRun) return dryRun(plan, options, io, { row: priceRow, ...billedModel(spec), size: size ?? config.defaultSize, maxInputPixels: config.maxInputPixels, variations });

  const resolved = queueUrl !== undefined ? await resolveForQueue(provider, config) : await resolveProvider(provider, config, {}, { audience: 'cli' });
  const seed = parseSeed(options.seed);
  const editOptions: EditOptions = {
    ...(options.aspectRatio ? { aspectRatio: options.aspectRatio.trim() } : {}),
    ...(size ? { size } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(options.imageField ? { imageField: options.imageField } : {}),
  };
  // An option the model cannot take fails the run once, before any image is read or sent.
  resolved.provider.validate?.(editOptions);
  const references = await Promise.all(
    (options.with ?? []).map((ref) => readInputFile(path.resolve(io.cwd, ref), ref).then((r) => ({ data: r.data, name: ref }))),
  );
  // --max-cost: each provider call reserves its estimate just before it is made (a cache hit
  // reserves nothing); one that would pass the budget is not made, and nothing after it starts.
  let committed = 0;
  const reserve = (usd: number | undefined, input: string): void => {
    if (maxCost === undefined) return;
    if (usd === undefined) {
      throw new FrameForgeError('budget_exceeded', `Not started: the price of editing ${input} at this size is unknown, so --max-cost cannot hold.`, { subject: '--max-cost' });
    }
    if (committed + usd > maxCost + 1e-9) {
      throw new FrameForgeError('budget_exceeded', `Not started: ${input} would take the estimated cost past --max-cost ${formatUsd(maxCost)}.`, { subject: '--max-cost' });
    }
    committed += usd;
  };
  const shared = {
    ...(prompt !== undefined ? { prompt } : {}),
    references,
    options: editOptions,
    disclosure: options.disclosure !== false,
    ...(label ? { label } : {}),
    ...(options.compare ? { compare: true } : {}),
    ...(options.cache === false ? { cache: false } : {}),
    ...(maxCost !== undefined ? { reserve } : {}),
    ...(variations > 1 ? { variations } : {}),
  };
  const progress = await createProgress(io, { json: Boolean(options.json), verbose: globals.verbose ?? false });
  // Said once here, for the whole run; the runners leave them out of each item's warnings.
  for (const warning of resolved.warnings) {
    io.stderr.write(`warning: ${warning}\n`);
    // Scripts reading --json see it too (a text-to-image id mapped onto its edit sibling, a deprecated model).
    if (options.json) writeJson(io, { event: 'warning', warning });
  }
  // A Redis that does not answer is a setup error, found before anything is queued.
  const jobs = queueUrl !== undefined ? await openQueue(queueUrl, config, io) : undefined;
  let manifest: ReturnType<typeof openManifest> | undefined;
  try {
    // Queued, the price is estimated here before the job goes (the workers' cache is not known here).
    const estimate = (item: { input: string }) =>
      estimateEdit(path.resolve(io.cwd, item.input), { ...billedModel(spec), size: size ?? config.defaultSize, maxInputPixels: config.maxInputPixels, variations });
    const run = jobs
      ? queueRunner(jobs, { ...shared, provider: spec.id, model: resolved.provider.model, shownWarnings: resolved.warnings, estimate })
      // --concurrency bounds provider calls, not only items: an item's variations share it.
      : localRunner(resolved, config, { ...shared, limit: callLimit(concurrency) });
    const ctx: ItemContext = {
      run,
      ...(format ? { format } : {}),
      force: Boolean(options.force),
      cwd: io.cwd,
      signal: io.signal,
      variations,
      onRetry: (item, info) => progress.retry(item, info),
    };
    if (manifestPath !== undefined) manifest = openManifest(path.resolve(io.cwd, manifestPath));
    const { summary, configError, errors, overBudget } = await runBatch(plan, ctx, {
      reporter: progress,
      manifest,
      manifestPath,
      concurrency,
      ...(queueUrl !== undefined ? { via: `the workers of ${redisWhere(queueUrl)}` } : {}),
      prompt: effectivePrompt(prompt, config),
      provider: { id: resolved.provider.id, model: resolved.provider.model },
    });
    if (overBudget) io.stderr.write(`Stopped at --max-cost ${formatUsd(maxCost ?? 0)}: ${summary.remaining.length} not started.\n`);
    if (summary.interrupted) return 130;
    if (configError) return configError.exitCode;
    // Nothing could even be tried (the one file named does not exist): a usage error, as for a single edit.
    if (summary.failed > 0 && summary.done + summary.skipped === 0 && errors.every((e) => e.exitCode === 2)) return 2;
    return summary.failed > 0 || overBudget ? 1 : 0;
  } finally {
    manifest?.close();
    await jobs?.close();
  }
}

interface DryRunPricing {
  row: PriceRow | undefined;
  kind: ProviderKind;
  model: string;
  size: SizeRequest;
  maxInputPixels: number;
  variations: number;
}

/** Lists what a run would do, with its estimated cost, calling no provider and writing nothing. */
async function dryRun(plan: Plan, options: EditCommandOptions, io: CliIO, pricing: DryRunPricing): Promise<number> {
  const counts = { edit: 0, skip: 0 };
  for (const file of plan.ignored) {
    if (options.json) writeJson(io, { event: 'skipped', input: file.input, reason: file.reason });
    else io.stderr.write(`skipped ${file.input}: ${file.reason}\n`);
  }
  let total = 0;
  for (const { item, action, redo } of await previewPlan(plan, { cwd: io.cwd, force: Boolean(options.force), variations: pricing.variations })) {
    counts[action]++;
    const usd = action === 'edit' && pricing.row ? await estimateEdit(path.resolve(io.cwd, item.input), pricing) : undefined;
    if (usd !== undefined) total += usd;
    const note = action === 'skip' ? ' (output exists: skipped)' : redo !== undefined ? ` (redo: ${redo})` : '';
    const files = variationPaths(item.output, pricing.variations);
    if (options.json) writeJson(io, { event: 'planned', input: item.input, output: files[0], ...(files.length > 1 ? { outputs: files } : {}), action, ...(usd !== undefined ? { estimatedCostUsd: roundUsd(usd) } : {}) });
    else io.stdout.write(`${item.input} -> ${files.join(', ')}${note}\n`);
  }
  const estimate = pricing.row ? roundUsd(total) : undefined;
  if (options.json) {
    writeJson(io, { event: 'summary', dryRun: true, total: plan.items.length, ...counts, ignored: plan.ignored.length, ...(estimate !== undefined ? { estimatedCostUsd: estimate } : {}) });
  } else {
    io.stderr.write(`Dry run: ${counts.edit} to edit, ${counts.skip} already done, ${plan.ignored.length} ignored. Nothing was called or written.\n`);
    const row = pricing.row;
    const times = pricing.variations > 1 ? ` x ${pricing.variations} variations` : '';
    const each = row && typeof row.usd === 'number' ? `${counts.edit}${times} x ${formatUsd(row.usd)}; ` : '';
    io.stderr.write(
      row
        ? `Estimated cost: ${formatUsd(estimate!)} (${each}price from ${row.source}, checked ${row.checked}).\n`
        : 'Estimated cost: unknown (no price for this model in FrameForge\'s table).\n',
    );
  }
  return 0;
}

function parseMaxCost(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\$?\d+(\.\d+)?\s*$/.test(value) ? Number(value.trim().replace('$', '')) : NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw new FrameForgeError('usage', `--max-cost must be an amount of US dollars such as 5 or 0.50, got "${value}".`, { subject: '--max-cost' });
  }
  return n;
}
