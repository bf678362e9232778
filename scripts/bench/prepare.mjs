// Preparing a camera photo for a provider: a 12-megapixel JPEG stored sideways
// (EXIF orientation 6) with EXIF metadata, made upright, scaled to a long edge of
// 3072 px and stripped, through FrameForge's library (inspect + prepare, the
// edit core with a provider that takes 3072 px) against ImageMagick's
//   convert X -auto-orient -resize 3072x3072> -strip -quality 92 out.jpg
// Runs alternate; the ratio is the median of each pair. Target: at most 0.5x.
// Env: BENCH_PREPARE_RUNS (9).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { configFrom, editImage } from '../../dist/index.js';
import { median } from './lib/servers.mjs';

const RUNS = Number(process.env.BENCH_PREPARE_RUNS ?? 9);
const MAX_EDGE = 3072;
// The distribution's ImageMagick itself (BENCH_CONVERT names another): a `convert`
// earlier on PATH may be a wrapper script whose own start-up would be added to
// every one of ImageMagick's runs and flatter the ratio.
const CONVERT = process.env.BENCH_CONVERT ?? (existsSync('/usr/bin/convert') ? '/usr/bin/convert' : 'convert');

if (spawnSync(CONVERT, ['-version']).status !== 0) {
  console.log('ImageMagick `convert` is not installed: the comparison is skipped (apt-get install imagemagick).');
  process.exit(0);
}

// A photo-like 4000x3000 landscape: smooth gradients with grain, not pure noise
// (which would make an unusually large file), stored sideways (3000x4000 pixels)
// with orientation 6, as phones write it; upright and scaled it is 3072x2304.
const width = 4000;
const height = 3000;
const grain = await sharp({ create: { width: 400, height: 300, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
  .resize(width, height, { kernel: 'cubic' })
  .raw()
  .toBuffer();
const photo = await sharp(grain, { raw: { width, height, channels: 3 } })
  .rotate(270) // stored sideways; orientation 6 turns it back
  .jpeg({ quality: 92 })
  .withExif({ IFD0: { Make: 'FrameForge bench', Model: 'Camera', Software: 'bench' } })
  .withMetadata({ orientation: 6 })
  .toBuffer();

const dir = await mkdtemp(path.join(tmpdir(), 'ff-bench-prepare-'));
const input = path.join(dir, 'photo.jpg');
const output = path.join(dir, 'out.jpg');
await writeFile(input, photo);

let prepared;
const provider = {
  id: 'bench',
  kind: 'mock',
  model: 'bench',
  limits: { maxEdge: MAX_EDGE, maxImages: 1 },
  async edit(request) {
    [prepared] = request.images;
    return { data: prepared.data, mimeType: prepared.mimeType, warnings: [], mock: true };
  },
};
const config = configFrom({});

async function frameforge() {
  const t = performance.now();
  // The edit core with the bytes in memory: inspect, refuse nothing, prepare (rotate, resize, strip).
  await editImage({ provider, warnings: [] }, { image: { data: photo, name: 'photo.jpg' } }, config);
  return performance.now() - t;
}

function imagemagick() {
  const t = performance.now();
  const r = spawnSync(CONVERT, [input, '-auto-orient', '-resize', `${MAX_EDGE}x${MAX_EDGE}>`, '-strip', '-quality', '92', output]);
  if (r.status !== 0) throw new Error(`convert failed: ${r.stderr}`);
  return performance.now() - t;
}

await frameforge(); // warm-up: loads sharp
imagemagick();
const times = { ff: [], im: [] };
for (let i = 0; i < RUNS; i++) {
  if (i % 2 === 0) {
    times.ff.push(await frameforge());
    times.im.push(imagemagick());
  } else {
    times.im.push(imagemagick());
    times.ff.push(await frameforge());
  }
}
const meta = await sharp(prepared.data).metadata();
await rm(dir, { recursive: true, force: true });
const ratio = median(times.ff.map((t, i) => t / times.im[i]));
const upright = meta.width === MAX_EDGE && meta.height === 2304 && !meta.exif && (meta.orientation ?? 1) === 1;
console.log(`12 MP JPEG (${(photo.length / 1024 / 1024).toFixed(1)} MB, orientation 6, EXIF) to upright ${MAX_EDGE} px, stripped, ${RUNS} alternating runs:`);
console.log(`  frameforge (inspect + prepare): median ${median(times.ff).toFixed(0)} ms (${times.ff.map((t) => t.toFixed(0)).join(', ')}); result ${meta.width}x${meta.height}, ${upright ? 'upright and metadata-free' : 'NOT upright or not stripped'}`);
console.log(`  ImageMagick ${CONVERT}: median ${median(times.im).toFixed(0)} ms (${times.im.map((t) => t.toFixed(0)).join(', ')})`);
console.log(`  ratio frameforge / convert: ${ratio.toFixed(2)}x (target <= 0.5x) ${ratio <= 0.5 ? 'OK' : 'UNDER TARGET'}`);
if (!upright) process.exit(1);
