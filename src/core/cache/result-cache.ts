/**
 * The result cache: what a provider answered, kept on disk under a hash of
 * everything that went into the call, so the same edit is never paid for
 * twice (CACHE_DIR, CACHE_MAX_MB). It holds the provider's answer, not the
 * finished output: labels, the before/after and the disclosure are made again
 * from it, so they can change without a miss.
 *
 * One file per entry (`<dir>/<key[0..2]>/<key>.ffc`: a 4-byte length, a JSON
 * header, the image bytes), written atomically, so a reader never sees half an
 * entry. Least recently used goes first: a hit touches the file's mtime, and
 * when the folder grows past the limit it is trimmed, oldest mtime first.
 * Trimming lists the whole folder, so it is not done on every write: the
 * cache keeps a running total of the folder's bytes (learnt by one listing at
 * its first write, then grown by each write) and trims only when that total
 * crosses the limit, then down to LOW_WATER of it, so the next listing is
 * many writes away. Entries other processes add are seen at that listing.
 * The cache never fails an edit: an unreadable entry is a miss, a failed write
 * a warning.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';

export interface CachedResult {
  data: Buffer;
  mimeType: string;
  model?: string;
  text?: string;
  warnings: string[];
  /** Every image of a call that returned several (`--variations` on a `num_images` model); the first is `data`. */
  images?: { data: Buffer; mimeType: string }[];
}

/** The header of an entry holding several images: each one's length and type, in order. */
interface ImageParts {
  parts?: { size: number; mimeType: string }[];
}

const SUFFIX = '.ffc';
const FORMAT_VERSION = 1;
/** A trim leaves the folder at this share of the limit, so writes after it add up before the next listing. */
const LOW_WATER = 0.9;

/** The cache key: a hash of a canonical JSON of the parts (object keys sorted, so option order does not matter). */
export function cacheKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(canonical({ v: FORMAT_VERSION, ...parts })).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export class ResultCache {
  private trimming: Promise<void> | undefined;
  private trimAgain = false;
  /** The folder's bytes as this process knows them; undefined until the first write lists it. */
  private tracked: number | undefined;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  private file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}${SUFFIX}`);
  }

  async get(key: string): Promise<CachedResult | undefined> {
    const file = this.file(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      return undefined;
    }
    try {
      const headerLength = bytes.readUInt32BE(0);
      const { parts, size, ...header } = JSON.parse(bytes.toString('utf8', 4, 4 + headerLength)) as Omit<CachedResult, 'data' | 'images'> & ImageParts & { size: number };
      const data = bytes.subarray(4 + headerLength);
      if (data.length !== size) return undefined;
      let images: CachedResult['images'];
      if (parts) {
        let at = 0;
        images = parts.map((part) => ({ data: data.subarray(at, (at += part.size)), mimeType: part.mimeType }));
        if (at !== data.length) return undefined;
      }
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      return images ? { ...header, data: images[0]!.data, mimeType: images[0]!.mimeType, images } : { ...header, data };
    } catch {
      return undefined;
    }
  }

  async put(key: string, result: CachedResult): Promise<void> {
    const { data: single, images, ...rest } = result;
    // Several images are stored one after another, their lengths in the header.
    const data = images ? Buffer.concat(images.map((image) => image.data)) : single;
    const parts = images?.map((image) => ({ size: image.data.length, mimeType: image.mimeType }));
    const header = Buffer.from(JSON.stringify({ ...rest, ...(parts ? { parts } : {}), size: data.length }), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length, 0);
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const bytes = Buffer.concat([length, header, data]);
    await writeFileAtomic(file, bytes, { overwrite: true });
    // The first write learns the folder's size; later ones add to it (an overwrite counts twice: that
    // only brings the next trim, which recounts, a little forward).
    if (this.tracked === undefined) this.tracked = await this.listedTotal();
    else this.tracked += bytes.length;
    if (this.tracked > this.maxBytes) await this.trim();
  }

  /** Evicts least recently used entries until the folder is under LOW_WATER of the limit; one trim at a time per cache. */
  trim(): Promise<void> {
    if (this.trimming) {
      this.trimAgain = true;
      return this.trimming;
    }
    this.trimming = (async () => {
      do {
        this.trimAgain = false;
        await this.trimOnce();
      } while (this.trimAgain);
    })().finally(() => {
      this.trimming = undefined;
    });
    return this.trimming;
  }

  private async listedTotal(): Promise<number> {
    return (await this.list()).reduce((sum, e) => sum + e.size, 0);
  }

  private async list(): Promise<{ file: string; size: number; used: number }[]> {
    const names = await readdir(this.dir, { recursive: true }).catch(() => [] as string[]);
    const entries = (
      await Promise.all(
        names
          .filter((name) => name.endsWith(SUFFIX))
          .map(async (name) => {
            const file = path.join(this.dir, name);
            const info = await stat(file).catch(() => undefined);
            return info ? { file, size: info.size, used: info.mtimeMs } : undefined;
          }),
      )
    ).filter((e) => e !== undefined);
    return entries;
  }

  private async trimOnce(): Promise<void> {
    const entries = await this.list();
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    if (total > this.maxBytes) {
      const target = this.maxBytes * LOW_WATER;
      entries.sort((a, b) => a.used - b.used);
      for (const entry of entries) {
        if (total <= target) break;
        await unlink(entry.file).catch(() => undefined);
        total -= entry.size;
      }
    }
    this.tracked = total;
  }
}

const open = new Map<string, ResultCache>();

/** The cache for a folder and limit; one object per folder, so trims in one process do not overlap. */
export function resultCache(dir: string | undefined, maxMb: number): ResultCache | undefined {
  if (!dir || maxMb <= 0) return undefined;
  const key = `${path.resolve(dir)}\0${maxMb}`;
  let cache = open.get(key);
  if (!cache) {
    cache = new ResultCache(path.resolve(dir), maxMb * 1024 * 1024);
    open.set(key, cache);
  }
  return cache;
}
