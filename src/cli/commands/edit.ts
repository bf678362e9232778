/**
 * `frameforge edit`: plans where each input's result goes, runs the edits
 * through the shared core, writes each result atomically, and reports.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../../core/config.js';
import { editImage } from '../../core/edit.js';
import { FrameForgeError, toFrameForgeError } from '../../core/errors.js';
import { sniffFormat } from '../../core/image-format.js';
import { defaultOutputFormat, formatFromExtension, type OutputFormat } from '../../core/images.js';
import { assertNotAnInput, defaultOutputName } from '../../core/output-path.js';
import { readInputFile } from '../../core/read-input.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { resolveProvider, type ResolvedProvider } from '../../providers/registry.js';
import type { EditOptions } from '../../providers/types.js';
import { errorJson, reportError } from '../errors.js';
import { colors, isInteractive, writeJson, type CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';

export interface EditCommandOptions {
  prompt?: string;
  provider?: string;
  out?: string;
  with?: string[];
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
  | { status: 'done'; item: EditItem; providerId: string; model: string; mock: boolean; fallback?: string; warnings: string[]; attempts: number; durationMs: number }
  | { status: 'skipped'; item: EditItem; reason: string }
  | { status: 'failed'; item: EditItem; error: FrameForgeError };

function normalizeFormat(value: string | undefined): OutputFormat | undefined {
  if (value === undefined) return undefined;
  return value === 'jpg' ? 'jpeg' : (value as OutputFormat);
}

function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new FrameForgeError('usage', `--seed must be a whole number, got "${value}".`, { subject: '--seed' });
  return Number(value);
}

async function sniffFile(file: string): Promise<ReturnType<typeof sniffFormat>> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64), 0, 64, 0);
    return sniffFormat(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** Decides each input's output path. Usage errors (bad -o, output onto an input) throw. */
export async function planEdits(inputs: string[], options: EditCommandOptions, cwd: string): Promise<EditItem[]> {
  const explicit = normalizeFormat(options.format);
  for (const input of inputs) {
    if (await isDirectory(path.resolve(cwd, input))) {
      throw new FrameForgeError('usage', `${input} is a directory; directory inputs are not supported yet.`, { subject: input });
    }
  }
  const outIsDir =
    options.out !== undefined &&
    (inputs.length > 1 || options.out.endsWith('/') || options.out.endsWith(path.sep) || (await isDirectory(path.resolve(cwd, options.out))));

  const items: EditItem[] = [];
  for (const input of inputs) {
    let output: string;
    if (options.out !== undefined && !outIsDir) {
      output = options.out;
      const fromExt = formatFromExtension(output);
      if (explicit && fromExt && fromExt !== explicit) {
        throw new FrameForgeError('usage', `-o ${output} does not match --format ${explicit}.`, { subject: '--out' });
      }
    } else {
      const sniffed = await sniffFile(path.resolve(cwd, input));
      const format = explicit ?? (sniffed ? defaultOutputFormat(sniffed) : 'png');
      const name = defaultOutputName(input, format);
      output = outIsDir ? path.join(options.out!, name) : path.join(path.dirname(input), name);
    }
    assertNotAnInput(output, [...inputs, ...(options.with ?? [])], cwd);
    items.push({ input, output });
  }
  return items;
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
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
}

/** Edits one item: the unit a batch runs many of. Never throws; the result says what happened. */
export async function runItem(item: EditItem, ctx: RunContext): Promise<ItemResult> {
  const started = performance.now();
  const outputPath = path.resolve(ctx.cwd, item.output);
  try {
    if (!ctx.force && (await exists(outputPath))) return { status: 'skipped', item, reason: 'output exists' };
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
      },
      ctx.config,
    );
    ctx.signal.throwIfAborted();
    await writeFileAtomic(outputPath, outcome.data, { overwrite: ctx.force });
    return {
      status: 'done',
      item,
      providerId: outcome.providerId,
      model: outcome.model,
      mock: outcome.mock,
      ...(outcome.fallback ? { fallback: outcome.fallback } : {}),
      warnings: outcome.warnings,
      attempts: outcome.attempts,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    return { status: 'failed', item, error: toFrameForgeError(error) };
  }
}

async function askInteractively(config: Config, options: EditCommandOptions): Promise<{ prompt: string; provider: string }> {
  const { input, select } = await import('@inquirer/prompts');
  const { listProviders } = await import('../../providers/registry.js');
  const prompt = await input({ message: 'Prompt', default: config.defaultPrompt });
  const choices = listProviders(config).map((p) => ({
    name: `${p.id}${p.ready ? '' : ` (needs ${p.needs})`}`,
    value: p.id,
    disabled: !p.ready && !config.devMode,
  }));
  const provider = options.provider ?? (await select({ message: 'Provider', choices, default: config.defaultProvider }));
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
  if (prompt === undefined && !options.json && isInteractive(io)) {
    ({ prompt, provider } = await askInteractively(config, options));
  }
  const resolved = await resolveProvider(provider, config);
  const items = await planEdits(inputs, options, io.cwd);
  const references = await Promise.all((options.with ?? []).map((ref) => readInputFile(path.resolve(io.cwd, ref), ref).then((r) => ({ data: r.data, name: ref }))));
  const seed = parseSeed(options.seed);
  const format = normalizeFormat(options.format);
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
  };
  for (const warning of resolved.warnings) io.stderr.write(`warning: ${warning}\n`);

  const results: ItemResult[] = [];
  for (const item of items) {
    if (io.signal.aborted) break;
    const result = await runItem(item, ctx);
    results.push(result);
    report(io, result, options, globals);
  }
  const failed = results.filter((r) => r.status === 'failed').length;
  if (options.json) {
    writeJson(io, {
      event: 'summary',
      done: results.filter((r) => r.status === 'done').length,
      skipped: results.filter((r) => r.status === 'skipped').length,
      failed,
    });
  }
  if (io.signal.aborted) return 130;
  return failed > 0 ? Math.max(...results.map((r) => (r.status === 'failed' ? r.error.exitCode : 0))) : 0;
}

function report(io: CliIO, result: ItemResult, options: EditCommandOptions, globals: GlobalOptions): void {
  const { input, output } = result.item;
  if (options.json) {
    if (result.status === 'failed') writeJson(io, { event: 'failed', input, output, ...errorJson(result.error) });
    else if (result.status === 'skipped') writeJson(io, { event: 'skipped', input, output, reason: result.reason });
    else {
      const { status: _status, item: _item, ...rest } = result;
      writeJson(io, { event: 'done', input, output, ...rest });
    }
    return;
  }
  const c = colors(io);
  if (result.status === 'failed') {
    reportError(io, result.error, { verbose: globals.verbose ?? false });
  } else if (result.status === 'skipped') {
    io.stderr.write(`${c.yellow('skipped')} ${input}: ${output} exists (use --force to overwrite)\n`);
  } else {
    for (const warning of result.warnings) io.stderr.write(`${c.yellow('warning')} ${warning}\n`);
    const mark = result.mock ? c.dim(result.fallback ? ' (mock fallback)' : ' (mock result)') : '';
    io.stderr.write(`${c.green('edited')} ${input} -> ${output}${mark}\n`);
    io.stdout.write(`${output}\n`);
  }
}
