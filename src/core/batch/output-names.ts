/**
 * Output names for a batch: a template such as `{name}.{provider}.{ext}`
 * turned into one path per input, mirroring the input tree under the output
 * directory, and checked before anything runs: a template that could leave
 * the output directory, an output onto an input, or two inputs onto one
 * output are usage errors that name the files.
 */
import path from 'node:path';
import { FrameForgeError } from '../errors.js';

export const DEFAULT_NAME_TEMPLATE = '{name}.edited.{ext}';

/** {input_ext}: the input's own extension, to tell room.jpg and room.png apart. */
const PLACEHOLDERS = ['name', 'ext', 'provider', 'input_ext'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string>;

/** A provider id as a file-name part: `fal:fal-ai/nano-banana/edit` -> `fal-fal-ai-nano-banana-edit`. */
export function fileSafeProviderId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'provider';
}

/** Refuses templates that cannot make a plain file name, before any file is looked at. */
export function validateTemplate(template: string): void {
  const fail = (why: string) =>
    new FrameForgeError('usage', `--name "${template}" ${why}.`, {
      subject: '--name',
      hint: `Use placeholders ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, e.g. "{name}.{provider}.{ext}".`,
    });
  if (!template.includes('{name}')) throw fail('must contain {name}, or every input would get the same output');
  if (/[/\\]/.test(template)) throw fail('must be a file name: outputs mirror the input tree, so it may not contain / or \\');
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(match[1]!)) throw fail(`has an unknown placeholder {${match[1]}}`);
  }
}

export function renderTemplate(template: string, values: TemplateValues): string {
  const name = template.replace(/\{(name|ext|provider|input_ext)\}/g, (_, key: Placeholder) => values[key]);
  if (name === '.' || name === '..' || name === '') {
    throw new FrameForgeError('usage', `--name "${template}" gives "${name}" for an input, which is not a file name.`, { subject: '--name' });
  }
  return name;
}

export interface PlannedOutput {
  readonly input: string;
  readonly output: string;
}

/**
 * Refuses a plan where an output is an input, or two inputs share an output.
 * Compared as absolute paths; all collisions are listed at once so the user
 * can fix them in one go.
 */
export function assertDistinctOutputs(plan: readonly PlannedOutput[], protectedInputs: Iterable<string>, cwd: string): void {
  const inputs = new Set([...protectedInputs].map((p) => path.resolve(cwd, p)));
  for (const { output } of plan) {
    if (inputs.has(path.resolve(cwd, output))) {
      throw new FrameForgeError('usage', `Refusing to write ${output}: it is an input, and inputs are never modified.`, {
        subject: output,
        hint: 'Choose another output with -o or --name.',
      });
    }
  }
  const byOutput = new Map<string, string[]>();
  for (const { input, output } of plan) {
    const key = path.resolve(cwd, output);
    byOutput.set(key, [...(byOutput.get(key) ?? []), input]);
  }
  const collisions = [...byOutput.entries()].filter(([, sources]) => sources.length > 1);
  if (collisions.length > 0) {
    const shown = collisions
      .slice(0, 10)
      .map(([output, sources]) => `${sources.join(' and ')} -> ${path.relative(cwd, output) || output}`)
      .join('; ');
    const more = collisions.length > 10 ? ` (and ${collisions.length - 10} more)` : '';
    throw new FrameForgeError('usage', `Several inputs would be written to the same output: ${shown}${more}.`, {
      subject: '--name',
      hint: 'Use a --name template that tells them apart, e.g. "{name}.{input_ext}.edited.{ext}".',
    });
  }
}
