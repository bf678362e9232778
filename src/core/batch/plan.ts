/**
 * Decides, before anything runs, which files a batch edits and where each
 * result goes. Directory inputs are mirrored under the output directory:
 * `listings/a/k.jpg` with `-o staged/` becomes `staged/a/k.edited.jpg`; files
 * named directly go straight into it; without `-o`, results go beside their
 * inputs. Everything that would make a run unsafe (an output onto an input,
 * two inputs onto one output, a bad template) is a usage error here.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { FrameForgeError } from '../errors.js';
import { defaultOutputFormat, extensionFor, formatFromExtension, type OutputFormat } from '../images.js';
import { collectInputs, type IgnoredFile } from './collect-inputs.js';
import { MANIFEST_FILE_NAME } from './manifest.js';
import { assertDistinctOutputs, DEFAULT_NAME_TEMPLATE, fileSafeProviderId, renderTemplate, validateTemplate } from './output-names.js';

export interface PlanRequest {
  inputs: readonly string[];
  cwd: string;
  /** `-o`: a file for one input, a directory otherwise. */
  out?: string;
  /** `--name` template. */
  name?: string;
  format?: OutputFormat;
  recursive?: boolean;
  /** The provider id as resolved from the user's choice, for `{provider}`. */
  providerId: string;
  /** `--with` images: never written to either. */
  references?: readonly string[];
}

export interface PlannedItem {
  input: string;
  output: string;
}

export interface Plan {
  items: PlannedItem[];
  /** Non-image files found in directory inputs. */
  ignored: IgnoredFile[];
  /** The output directory, when results are gathered in one (the manifest's default home). */
  outDir?: string;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

function endsWithSeparator(p: string): boolean {
  return p.endsWith('/') || p.endsWith(path.sep);
}

export async function planBatch(request: PlanRequest): Promise<Plan> {
  const { inputs, cwd, out, format: explicit } = request;
  const template = request.name ?? DEFAULT_NAME_TEMPLATE;
  if (request.name !== undefined) validateTemplate(request.name);

  const hasDirectory = (await Promise.all(inputs.map((i) => isDirectory(path.resolve(cwd, i))))).some(Boolean);
  const outIsDir =
    out !== undefined && (inputs.length > 1 || hasDirectory || endsWithSeparator(out) || (await isDirectory(path.resolve(cwd, out))));

  const absoluteOut = out !== undefined ? path.resolve(cwd, out) : undefined;
  const collected = await collectInputs(inputs, {
    cwd,
    recursive: Boolean(request.recursive),
    // An output directory inside an input directory holds results, not inputs.
    ...(outIsDir && absoluteOut ? { exclude: [absoluteOut] } : {}),
  });

  const provider = fileSafeProviderId(request.providerId);
  let items: (PlannedItem & { fromDirectory: boolean })[] = collected.files.map((file) => {
    if (out !== undefined && !outIsDir) {
      const fromExt = formatFromExtension(out);
      if (explicit && fromExt && fromExt !== explicit) {
        throw new FrameForgeError('usage', `-o ${out} does not match --format ${explicit}.`, { subject: '--out' });
      }
      return { input: file.input, output: out, fromDirectory: file.fromDirectory };
    }
    const format = explicit ?? (file.format ? defaultOutputFormat(file.format) : 'png');
    const ext = path.extname(file.input);
    const name = renderTemplate(template, {
      name: path.basename(file.input, ext),
      ext: extensionFor(format),
      provider,
      input_ext: ext.slice(1) || (file.format ?? 'img'),
    });
    const dir = outIsDir ? path.join(out!, file.relativeDir) : path.dirname(file.input);
    return { input: file.input, output: path.join(dir, name), fromDirectory: file.fromDirectory };
  });

  // Results written beside their inputs by an earlier run are found again by
  // the walk; they are outputs of this plan (to be skipped), not new inputs.
  const outputs = new Set(items.map((i) => path.resolve(cwd, i.output)));
  items = items.filter((i) => !(i.fromDirectory && outputs.has(path.resolve(cwd, i.input))));
  const ignored = collected.ignored.filter(
    (f) => !(path.basename(f.input) === MANIFEST_FILE_NAME || outputs.has(path.resolve(cwd, f.input))),
  );

  assertDistinctOutputs(items, [...items.map((i) => i.input), ...ignored.map((f) => f.input), ...(request.references ?? [])], cwd);
  return {
    items: items.map(({ input, output }) => ({ input, output })),
    ignored,
    ...(outIsDir ? { outDir: out! } : {}),
  };
}
