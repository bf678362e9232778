/**
 * Where an edit's result goes. Defaults to `<name>.edited.<ext>` beside the
 * input; never onto an input.
 */
import path from 'node:path';
import { FrameForgeError } from './errors.js';
import { extensionFor, type OutputFormat } from './images.js';

export function defaultOutputName(input: string, format: OutputFormat): string {
  const base = path.basename(input, path.extname(input));
  return `${base}.edited.${extensionFor(format)}`;
}

/** Refuses an output path that is one of the inputs (compared as absolute paths). */
export function assertNotAnInput(output: string, inputs: Iterable<string>, cwd: string): void {
  const target = path.resolve(cwd, output);
  for (const input of inputs) {
    if (path.resolve(cwd, input) === target) {
      throw new FrameForgeError('usage', `Refusing to write ${output}: it is an input, and inputs are never modified.`, {
        subject: output,
        hint: 'Choose another output with -o.',
      });
    }
  }
}
