/**
 * A listing tree for batch tests: 30 image files (29 good JPEG/PNG/WebP, each
 * of its own width (30 + index), some nested two levels deep, one without an
 * extension; one truncated JPEG) and three files that are not images, one of
 * them named like a JPEG.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeJpeg, makePng, makeWebp } from '../support/images.js';

export interface Tree {
  root: string;
  /** Paths relative to root of the 29 images that can be edited. */
  good: string[];
  corrupt: string;
  nonImages: string[];
}

export async function makeListingTree(root: string): Promise<Tree> {
  const good: string[] = [];
  const dirs = ['', 'kitchen', 'kitchen/detail', 'bedrooms'];
  for (let i = 0; i < 29; i++) {
    const dir = dirs[i % dirs.length]!;
    const kind = i % 3;
    // Names without an extension prove images are found by their bytes.
    const name = i === 7 ? `IMG_${i}` : `room-${String(i).padStart(2, '0')}.${['jpg', 'png', 'webp'][kind]}`;
    // Widths are unique, so a fake provider can tell which image a call carried.
    const width = 30 + i;
    const data = kind === 0 ? await makeJpeg({ width, height: 30 }) : kind === 1 ? await makePng(width, 20) : await makeWebp(width, 24);
    await mkdir(path.join(root, dir), { recursive: true });
    await writeFile(path.join(root, dir, name), data);
    good.push(path.join(dir, name));
  }
  const whole = await makeJpeg({ width: 200, height: 120 });
  const corrupt = path.join('kitchen', 'broken.jpg');
  await writeFile(path.join(root, corrupt), whole.subarray(0, whole.length - 40));
  const nonImages = ['notes.txt', path.join('kitchen', 'listing.json'), path.join('bedrooms', 'fake.jpg')];
  await writeFile(path.join(root, nonImages[0]!), 'viewing on Saturday\n');
  await writeFile(path.join(root, nonImages[1]!), '{"price": 1}\n');
  await writeFile(path.join(root, nonImages[2]!), 'not a picture\n');
  return { root, good, corrupt, nonImages };
}

/** sha256 of every file under dir, by relative path. */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, entry);
    if ((await stat(full)).isFile()) out[entry] = createHash('sha256').update(await readFile(full)).digest('hex');
  }
  return out;
}

/** Every file under dir, relative, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    if ((await stat(path.join(dir, entry))).isFile()) out.push(entry);
  }
  return out.sort();
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
