// `frameforge --version` start-up time against `node -e 0`, interleaved so that
// machine noise hits both alike. Target: at most 2x.
import { spawnSync } from 'node:child_process';

const bin = new URL('../../bin/frameforge.js', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_RUNS ?? 20);

function time(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// Warm the compile cache and the file system cache.
time([bin, '--version']);
time(['-e', '0']);
const node = [];
const cli = [];
const help = [];
for (let i = 0; i < RUNS; i++) {
  node.push(time(['-e', '0']));
  cli.push(time([bin, '--version']));
  help.push(time([bin, 'edit', '--help']));
}
const ratio = median(cli) / median(node);
console.log(`node -e 0:               median ${median(node).toFixed(1)} ms (${RUNS} runs)`);
console.log(`frameforge --version:    median ${median(cli).toFixed(1)} ms`);
console.log(`frameforge edit --help:  median ${median(help).toFixed(1)} ms`);
console.log(`ratio --version / node:  ${ratio.toFixed(2)}x (target <= 2x) ${ratio <= 2 ? 'OK' : 'OVER TARGET'}`);
