/**
 * Process entry: wires signals to the CLI and exits with main's code. This is
 * the one place that handles SIGINT/SIGTERM, for every command: the first
 * aborts `io.signal` so the running command can stop cleanly (edits: no
 * partial files, manifests flushed; serve: drain requests in flight), and a
 * second one exits at once with 130.
 *
 * A reader that goes away (`frameforge presets | head -1`) closes our stdout:
 * like a Unix tool, FrameForge then stops quietly instead of dying on EPIPE.
 * Nothing more is written there, a command still running stops as on Ctrl-C
 * (an edit leaves no partial file), and a command that had finished keeps its
 * exit code.
 */
import { main } from './main.js';
import { processIO } from './io.js';

/** Swallows EPIPE on a standard stream (the reader left) and calls `gone` once; other errors stay fatal. */
function onReaderGone(stream: NodeJS.WriteStream, gone: () => void): void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (closed) return;
    closed = true;
    gone();
  });
}

export async function run(argv: readonly string[]): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort(new DOMException(`Interrupted by ${signal}`, 'AbortError'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  onReaderGone(process.stdout, () => controller.abort(new DOMException('Standard output was closed', 'AbortError')));
  // Errors and progress have nowhere to go once stderr is closed; the command carries on.
  onReaderGone(process.stderr, () => undefined);
  const code = await main(argv, processIO(controller.signal));
  process.exitCode = code;
  // Let buffered output reach the terminal or pipe, then leave even if an SDK keeps a socket alive.
  await flush(process.stdout);
  await flush(process.stderr);
  process.exit(code);
}

/** Resolves once what was written has gone out, or at once when the stream is closed or broken. */
function flush(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise<void>((resolve) => stream.write('', () => resolve()));
}
