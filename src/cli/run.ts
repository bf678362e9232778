/**
 * Process entry: wires signals to the CLI and exits with main's code.
 * The first Ctrl-C aborts `io.signal` so the running command can stop cleanly
 * (no partial files, manifests flushed); a second one exits at once.
 */
import { main } from './main.js';
import { processIO } from './io.js';

export async function run(argv: readonly string[]): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort(new DOMException(`Interrupted by ${signal}`, 'AbortError'));
  };
  // `serve` installs its own handlers (drain, then exit 0); these are for the other commands.
  if (argv[0] !== 'serve') {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const code = await main(argv, processIO(controller.signal));
  process.exitCode = code;
  // Let buffered output reach the terminal or pipe, then leave even if an SDK keeps a socket alive.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}
