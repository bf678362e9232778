/**
 * What a command may touch of the outside world: its streams, environment and
 * working directory. `main` gets the real ones; tests pass their own, so a
 * command runs in-process without touching process.env or the terminal.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  stdinIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Aborted on Ctrl-C (first SIGINT); commands stop cleanly when it fires. */
  signal: AbortSignal;
}

export function processIO(signal: AbortSignal): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
    cwd: process.cwd(),
    signal,
  };
}

/** Colours only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb. */
export function useColor(io: CliIO): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return Boolean(io.stderr.isTTY) && io.env.TERM !== 'dumb';
}

export function colors(io: CliIO): ChalkInstance {
  return new Chalk({ level: useColor(io) ? 1 : 0 });
}

/** Interactive only when a person is at both ends: never in scripts, CI or pipes. */
export function isInteractive(io: CliIO): boolean {
  return io.stdinIsTTY && Boolean(io.stderr.isTTY) && !io.env.CI;
}

export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}
