/**
 * How `edit` tells the user what is happening, in one of three voices:
 * - `--json`: one JSON line per event on stdout, nothing else there;
 * - a terminal: the usual lines on stderr, kept above an ora spinner that
 *   shows done / failed / left, the rate and the time left;
 * - anything else (pipes, CI, NO_COLOR): plain lines on stderr.
 * Output paths of finished edits go to stdout in the text voices, so
 * `frameforge edit dir/ | xargs ...` works. The events and summary are the
 * batch loop's (core/batch/events.ts).
 */
import type { Ora } from 'ora';
import { errorJson, reportError } from './errors.js';
import { colors, useColor, writeJson, type CliIO } from './io.js';
import type { BatchReporter } from '../core/batch/events.js';
import { formatUsd } from '../core/staging/prices.js';

export interface ProgressOptions {
  json: boolean;
  verbose: boolean;
}

/** Spinners only on a terminal, and, like colours, never with NO_COLOR, TERM=dumb or under CI. */
function wantsSpinner(io: CliIO): boolean {
  // ora redraws with the cursor methods of a real terminal stream (tty.WriteStream),
  // and loops forever on a terminal that reports 0 columns (a pty nobody sized).
  const stream = io.stderr as Partial<NodeJS.WriteStream>;
  const terminal = typeof stream.cursorTo === 'function' && (stream.columns ?? 0) > 0;
  return terminal && Boolean(io.stderr.isTTY) && useColor(io) && !io.env.CI;
}

export async function createProgress(io: CliIO, options: ProgressOptions): Promise<BatchReporter> {
  if (options.json) return jsonProgress(io);
  // ora is loaded only when a spinner will show: scripts and tests never pay for it.
  const spinner = wantsSpinner(io) ? (await import('ora')).default : undefined;
  return textProgress(io, options, spinner);
}

function jsonProgress(io: CliIO): BatchReporter {
  return {
    start() {},
    report(e) {
      if (e.event === 'done') {
        writeJson(io, { event: 'done', ...e.item, ...e.details, mock: e.mock, ...(e.fallback ? { fallback: e.fallback } : {}), warnings: e.warnings });
      }
      else if (e.event === 'skipped') writeJson(io, { event: 'skipped', ...e.item, reason: e.reason, ...(e.folder ? { folder: true } : {}) });
      else if (e.event === 'failed') writeJson(io, { event: 'failed', ...e.item, ...errorJson(e.error) });
      else writeJson(io, { event: 'cancelled', ...e.item });
    },
    retry(item, info) {
      writeJson(io, { event: 'retry', ...item, attempt: info.attempt, delayMs: info.delayMs, code: info.error.code });
    },
    finish(s) {
      if (s.interrupted) writeJson(io, { event: 'interrupted', remaining: s.remaining });
      writeJson(io, {
        event: 'summary',
        total: s.total,
        done: s.done,
        skipped: s.skipped,
        failed: s.failed,
        ignored: s.ignored,
        ...(s.interrupted ? { interrupted: true, cancelled: s.cancelled } : {}),
        ...(s.remaining.length > 0 ? { remaining: s.remaining.length } : {}),
        ...(s.manifest ? { manifest: s.manifest } : {}),
        ...(s.estimatedCostUsd !== undefined ? { estimatedCostUsd: s.estimatedCostUsd } : {}),
        durationMs: s.durationMs,
      });
    },
  };
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

function textProgress(io: CliIO, options: ProgressOptions, makeSpinner: typeof import('ora').default | undefined): BatchReporter {
  const c = colors(io);
  let total = 0;
  let done = 0;
  let failed = 0;
  let skipped = 0;
  let started = 0;
  let spinner: Ora | undefined;
  let ticker: NodeJS.Timeout | undefined;

  const status = (): string => {
    const finished = done + failed;
    const left = total - done - failed - skipped;
    const elapsed = (performance.now() - started) / 1000;
    // Skipped items take no time, so they count neither in the rate nor in the ETA.
    const rate = finished > 0 ? finished / elapsed : 0;
    const eta = rate > 0 ? formatSeconds(left / rate) : '?';
    return `${done} done, ${failed} failed, ${left} left · ${rate.toFixed(2)}/s · ETA ${eta}`;
  };

  return {
    start(count, label) {
      total = count;
      started = performance.now();
      if (count > 1) io.stderr.write(`${label}\n`);
      if (makeSpinner && count > 0) {
        // discardStdin would put stdin in raw mode, where Ctrl-C is no longer a SIGINT from the terminal.
        spinner = makeSpinner({ stream: io.stderr as NodeJS.WritableStream, isEnabled: true, discardStdin: false, text: status() }).start();
        // The ETA moves with time, not only with results.
        ticker = setInterval(() => spinner && (spinner.text = status()), 1000);
        ticker.unref();
      }
    },
    report(e) {
      if (e.event === 'done') {
        done++;
        for (const warning of e.warnings) io.stderr.write(`${c.yellow('warning')} ${warning}\n`);
        const mark = e.mock ? c.dim(e.fallback ? ' (mock fallback)' : ' (mock result)') : '';
        const outputs = (e.details.outputs as string[] | undefined) ?? [e.item.output];
        io.stderr.write(`${c.green('edited')} ${e.item.input} -> ${outputs.join(', ')}${mark}\n`);
        for (const output of outputs) io.stdout.write(`${output}\n`);
      } else if (e.event === 'skipped') {
        if (e.item.output !== undefined) skipped++;
        const why = e.reason.startsWith('output exists') ? `${e.item.output} exists (use --force to overwrite)` : e.reason;
        io.stderr.write(`${c.yellow(e.folder ? 'warning' : 'skipped')} ${e.item.input}: ${why}\n`);
      } else if (e.event === 'failed') {
        failed++;
        reportError(io, e.error, { verbose: options.verbose });
      }
      if (spinner) spinner.text = status();
    },
    retry(item, info) {
      io.stderr.write(`${c.yellow('retrying')} ${item.input} in ${(info.delayMs / 1000).toFixed(1)} s: ${info.error.message}\n`);
    },
    finish(s) {
      if (ticker) clearInterval(ticker);
      spinner?.stop();
      const seconds = (s.durationMs / 1000).toFixed(1);
      if (s.interrupted) {
        io.stderr.write(
          `${c.red('interrupted')} after ${seconds} s: ${s.done} edited, ${s.skipped} skipped, ${s.failed} failed, ${s.remaining.length} left.\n`,
        );
        for (const item of s.remaining.slice(0, 10)) io.stderr.write(`  left: ${item.input}\n`);
        if (s.remaining.length > 10) io.stderr.write(`  ... and ${s.remaining.length - 10} more\n`);
        io.stderr.write('Run the same command again to finish them: finished items are skipped.\n');
      } else if (s.total > 1 || s.ignored > 0) {
        // Every count here is a number of lines printed above: edited, skipped (output exists), failed, and ignored.
        const ignored = s.ignored > 0 ? `, ${s.ignored} ignored` : '';
        io.stderr.write(`Finished in ${seconds} s: ${s.done} edited, ${s.skipped} skipped, ${s.failed} failed${ignored}.\n`);
        if (s.remaining.length > 0) io.stderr.write(`${s.remaining.length} not started because of the error above.\n`);
      }
      if (s.estimatedCostUsd !== undefined && s.estimatedCostUsd > 0) io.stderr.write(`Estimated cost: ${formatUsd(s.estimatedCostUsd)} (cached results count nothing).\n`);
      if (s.manifest && s.total > 0) io.stderr.write(`${c.dim(`manifest: ${s.manifest}`)}\n`);
    },
  };
}
