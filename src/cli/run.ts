/**
 * Process entry: wires signals to the CLI and exits with main's code. This is
 * the one place that handles SIGINT/SIGTERM, for every command: the first
 * aborts `io.signal` so the running command can stop cleanly (edits: no
 * partial files, manifests flushed; serve: drain requests in flight), and a
 * second one exits at once with 130.
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
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await main(argv, processIO(controller.signal));
  process.exitCode = code;
  // Let buffered output reach the terminal or pipe, then leave even if an SDK keeps a socket alive.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}
