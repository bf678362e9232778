// `npm run bench`: runs every benchmark in scripts/bench/ in turn (after a build)
// and prints their figures. Benchmarks compare ratios within one run: machines
// are shared and noisy, so absolute numbers across runs mean little.
// Run one: node scripts/bench.mjs startup
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const dir = new URL('./bench/', import.meta.url).pathname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n== ${file.replace(/\.mjs$/, '')}`);
  const result = spawnSync(process.execPath, [path.join(dir, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
