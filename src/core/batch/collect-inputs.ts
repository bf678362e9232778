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
  /** A folder the walk could not read (its files are unknown), rather than one file. */
  readonly folder?: boolean;
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

/** What opening a file found: its identity and format, or why it could not be opened. */
type Probe = { id: string; format: ImageFormat | undefined } | { errno: string };

/** Opens once for both the identity (device and inode) and the first bytes. */
async function probeFile(file: string): Promise<Probe> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    return { errno: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  try {
    const info = await handle.stat();
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return { id: `${info.dev}:${info.ino}`, format: sniffFormat(buffer.subarray(0, bytesRead)) };
  } finally {
    await handle.close();
  }
}

export async function sniffFile(file: string): Promise<ImageFormat | undefined> {
  const probe = await probeFile(file);
  return 'id' in probe ? probe.format : undefined;
}

function isPermissionError(errno: string): boolean {
  return errno === 'EACCES' || errno === 'EPERM';
}

/**
 * What one collection has seen, by identity rather than by path, so that
 * links cannot make it walk a folder twice (a loop like `loop -> .` would
 * otherwise go on until the path is too long) or edit a file twice.
 */
interface Seen {
  /** `dev:ino` of every directory walked. */
  readonly dirs: Set<string>;
  /** `dev:ino` of every file collected, and the path it was first met by. */
  readonly files: Map<string, string>;
  /** Resolved paths collected: the same path given twice is one input, said nothing about. */
  readonly paths: Set<string>;
}

/**
 * Hidden entries are passed over: they are not photos (.DS_Store, .git) and
 * include our own temporary files (`.<name>.<pid>.<rand>.tmp`, see atomic-write).
 */
function isHidden(name: string): boolean {
  return name.startsWith('.');
}

interface Found {
  files: CollectedFile[];
  ignored: IgnoredFile[];
  seen: Seen;
}

/** Adds a file met by `input` unless it was met before, by this path (silently) or another (a duplicate). */
function addFile(found: Found, file: CollectedFile, absolute: string, id: string): void {
  if (found.seen.paths.has(absolute)) return;
  found.seen.paths.add(absolute);
  const first = found.seen.files.get(id);
  if (first !== undefined) {
    found.ignored.push({ input: file.input, reason: `the same file as ${first}` });
    return;
  }
  found.seen.files.set(id, file.input);
  found.files.push(file);
}

async function walk(root: string, dir: string, options: CollectOptions, found: Found): Promise<void> {
  const absolute = path.resolve(options.cwd, dir);
  let entries;
  try {
    entries = await readdir(absolute, { withFileTypes: true });
  } catch (error) {
    // One unreadable folder must not end the walk of the others.
    const errno = (error as NodeJS.ErrnoException).code ?? 'EIO';
    const why = isPermissionError(errno) ? 'permission denied' : errno;
    found.ignored.push({ input: dir, reason: `cannot read this folder (${why}); its files were not edited`, folder: true });
    return;
  }
  // Sorted, so plans, dry runs and manifests come out in the same order every run.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  const subdirs: string[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const absoluteChild = path.join(absolute, entry.name);
    // Symbolic links are followed, inside the folder or out of it (shared photo folders);
    // identities, not paths, keep that from looping or editing a file twice.
    const info = entry.isSymbolicLink() ? await stat(absoluteChild).catch(() => undefined) : entry;
    if (!info) found.ignored.push({ input: path.join(dir, entry.name), reason: 'a broken symbolic link' });
    else if (info.isDirectory()) subdirs.push(entry.name);
    else if (info.isFile()) files.push(entry.name);
  }
  // Opening is three file-system round trips per file; overlapping them keeps a
  // large listing's start-up short. Results keep the sorted order.
  const probes = new Array<Probe>(files.length);
  await runPool(files, SNIFF_CONCURRENCY, async (name, i) => (probes[i] = await probeFile(path.join(absolute, name))), NEVER);
  const relativeDir = path.relative(root, dir);
  files.forEach((name, i) => {
    const child = path.join(dir, name);
    const probe = probes[i]!;
    if ('errno' in probe) {
      // An unreadable image is still an item: its edit fails saying why (input_unreadable).
      if (isPermissionError(probe.errno)) {
        found.seen.paths.add(path.join(absolute, name));
        found.files.push({ input: child, relativeDir, fromDirectory: true });
      }
      else found.ignored.push({ input: child, reason: probe.errno === 'ENOENT' ? 'it was removed while the folder was read' : `cannot open it (${probe.errno})` });
    } else if (!probe.format) {
      found.ignored.push({ input: child, reason: 'not an image' });
    } else {
      addFile(found, { input: child, relativeDir, fromDirectory: true, format: probe.format }, path.join(absolute, name), probe.id);
    }
  });
  if (!options.recursive) return;
  for (const name of subdirs) {
    const absoluteChild = path.join(absolute, name);
    if (options.exclude?.includes(absoluteChild)) continue;
    const info = await stat(absoluteChild).catch(() => undefined);
    if (!info || !enterOnce(found.seen, info)) continue;
    await walk(root, path.join(dir, name), options, found);
  }
}

/** True the first time a directory is met, by any path. */
function enterOnce(seen: Seen, info: { dev: number; ino: number }): boolean {
  const id = `${info.dev}:${info.ino}`;
  if (seen.dirs.has(id)) return false;
  seen.dirs.add(id);
  return true;
}

export async function collectInputs(inputs: readonly string[], options: CollectOptions): Promise<Collected> {
  const found: Found = { files: [], ignored: [], seen: { dirs: new Set(), files: new Map(), paths: new Set() } };
  for (const input of inputs) {
    const absolute = path.resolve(options.cwd, input);
    const info = await stat(absolute).catch(() => undefined);
    if (info?.isDirectory()) {
      if (enterOnce(found.seen, info)) await walk(input, input, options, found);
      continue;
    }
    // Missing or unreadable files become items whose edit fails naming the file.
    const probe = info ? await probeFile(absolute) : undefined;
    if (probe && 'id' in probe) {
      addFile(found, { input, relativeDir: '', fromDirectory: false, ...(probe.format ? { format: probe.format } : {}) }, absolute, probe.id);
    } else if (!found.seen.paths.has(absolute)) {
      found.seen.paths.add(absolute);
      found.files.push({ input, relativeDir: '', fromDirectory: false });
    }
  }
  const { files, ignored } = found;
  if (files.length === 0 && ignored.length === 0 && inputs.length > 0) {
    throw new FrameForgeError('usage', `No images found in ${inputs.join(', ')}${options.recursive ? '' : ' (use --recursive to look in subdirectories)'}.`, {
      subject: inputs.join(', '),
    });
  }
  return { files, ignored };
}
