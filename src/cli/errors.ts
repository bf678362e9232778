/**
 * How the CLI reports a failure: one line a person can act on, on stderr;
 * the cause chain and stack only with --verbose. Secrets never appear because
 * error messages are built without them (see providers) and causes are only
 * shown on request.
 */
import { isFrameForgeError, toFrameForgeError, type FrameForgeError } from '../core/errors.js';
import { colors, writeJson, type CliIO } from './io.js';

export function errorJson(error: FrameForgeError): { code: string; detail: string } {
  return { code: error.code, detail: error.detail };
}

export function reportError(io: CliIO, thrown: unknown, options: { verbose?: boolean; json?: boolean }): number {
  const error = toFrameForgeError(thrown);
  if (options.json) {
    writeJson(io, { event: 'error', ...errorJson(error) });
  } else {
    const c = colors(io);
    io.stderr.write(`${c.red('error')} ${error.detail}\n`);
  }
  if (options.verbose || !isFrameForgeError(thrown)) {
    if (options.verbose) io.stderr.write(`${describeChain(thrown)}\n`);
    else io.stderr.write('Run again with --verbose for details.\n');
  }
  return error.exitCode;
}

function describeChain(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof Error) {
      lines.push(depth === 0 ? (current.stack ?? String(current)) : `caused by: ${current.stack ?? String(current)}`);
      current = current.cause;
    } else {
      lines.push(`caused by: ${String(current)}`);
      break;
    }
  }
  return lines.join('\n');
}
