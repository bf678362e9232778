/**
 * Turns the inputs a user named (files and directories, in any mix) into the
 * list of files to edit. Files inside a directory are recognized by their
 * bytes (contract 4), so `IMG_0042` without an extension is found and
 * `notes.jpg` holding text is not; what is not an image is reported, not edited.
 * A file named directly is always an item: if it is no image, its edit fails
 * with a message naming it, as for a single-file edit.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FrameForgeError } from '../errors.js';
import { sniffFormat, type ImageFormat } from '../image-format.js';
import { runPool } from './run-pool.js';

export interface CollectedFile {
  /** The path to show and to read, relative to cwd when the user gave a relative path. */
  readonly input: string;
  /** Where it sits under the directory input it came from ('' for a file named directly). */
  readonly relativeDir: string;
  /** True when found by walking a directory (rather than named by the user). */
  readonly fromDirectory: boolean;
  readonly format?: ImageFormat;
}

export interface IgnoredFile {
  readonly input: string;
  readonly reason: string;
}

export interface Collected {
  readonly files: CollectedFile[];
  /** Files inside directory inputs that are not images: reported and skipped. */
  readonly ignored: IgnoredFile[];
}

export interface CollectOptions {
  cwd: string;
  recursive: boolean;
  /** Absolute directories never to descend into (the output directory, when it lies inside an input). */
  exclude?: readonly string[];
}

/** Enough bytes for every signature sniffFormat knows (ISO BMFF brands need the most). */
const SNIFF_BYTES = 64;
/** Files sniffed at once: well under any open-file limit. */
const SNIFF_CONCURRENCY = 16;
const NEVER = new AbortController().signal;

export async function sniffFile(file: string): Promise<ImageFormat | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return sniffFormat(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Hidden entries are passed over: they are not photos (.DS_Store, .git) and
 * include our own temporary files (`.<name>.<pid>.<rand>.tmp`, see atomic-write).
 */
function isHidden(name: string): boolean {
  return name.startsWith('.');
}

async function walk(root: string, dir: string, options: CollectOptions, out: { files: CollectedFile[]; ignored: IgnoredFile[] }): Promise<void> {
  const absolute = path.resolve(options.cwd, dir);
  const entries = await readdir(absolute, { withFileTypes: true });
  // Sorted, so plans, dry runs and manifests come out in the same order every run.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  const subdirs: string[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const absoluteChild = path.join(absolute, entry.name);
    // Symbolic links are followed once via stat; a link to a directory is walked like one.
    const info = entry.isSymbolicLink() ? await stat(absoluteChild).catch(() => undefined) : entry;
    if (!info) out.ignored.push({ input: path.join(dir, entry.name), reason: 'a broken symbolic link' });
    else if (info.isDirectory()) subdirs.push(entry.name);
    else if (info.isFile()) files.push(entry.name);
  }
  // Sniffing is three file-system round trips per file; overlapping them keeps a
  // large listing's start-up short. Results keep the sorted order.
  const formats = new Array<ImageFormat | undefined>(files.length);
  await runPool(files, SNIFF_CONCURRENCY, async (name, i) => (formats[i] = await sniffFile(path.join(absolute, name))), NEVER);
  files.forEach((name, i) => {
    const child = path.join(dir, name);
    const format = formats[i];
    if (format) out.files.push({ input: child, relativeDir: path.relative(root, dir), fromDirectory: true, format });
    else out.ignored.push({ input: child, reason: 'not an image' });
  });
  if (!options.recursive) return;
  for (const name of subdirs) {
    if (options.exclude?.includes(path.join(absolute, name))) continue;
    await walk(root, path.join(dir, name), options, out);
  }
}

export async function collectInputs(inputs: readonly string[], options: CollectOptions): Promise<Collected> {
  const out = { files: [] as CollectedFile[], ignored: [] as IgnoredFile[] };
  for (const input of inputs) {
    const info = await stat(path.resolve(options.cwd, input)).catch(() => undefined);
    if (info?.isDirectory()) {
      await walk(input, input, options, out);
    } else {
      // Missing or unreadable files become items whose edit fails naming the file.
      const format = info ? await sniffFile(path.resolve(options.cwd, input)) : undefined;
      out.files.push({ input, relativeDir: '', fromDirectory: false, ...(format ? { format } : {}) });
    }
  }
  // The same file named twice (`a.jpg dir/` with dir/a.jpg) is one edit, not two.
  const seen = new Set<string>();
  const files = out.files.filter((f) => {
    const key = path.resolve(options.cwd, f.input);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (files.length === 0 && out.ignored.length === 0 && inputs.length > 0) {
    throw new FrameForgeError('usage', `No images found in ${inputs.join(', ')}${options.recursive ? '' : ' (use --recursive to look in subdirectories)'}.`, {
      subject: inputs.join(', '),
    });
  }
  return { files, ignored: out.ignored };
}
