// `npm run bench`: runs every benchmark in scripts/bench/ in turn (after a build)
// and prints their figures. Benchmarks compare ratios within one run: machines
// are shared and noisy, so absolute numbers across runs mean little.
// Run one: node scripts/bench.mjs startup
// Repeat: node scripts/bench.mjs server prepare --runs 5 runs each selected
// benchmark five times in turn, prints every run's figures, and then for each
// target line (one ending in OK or UNDER TARGET) how many runs passed it, and
// in how many runs every target passed (issue 15's acceptance: at least 3 of 5).
import { readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { nodeNeeded } from '../bin/node-check.js';

// The benchmarks start FrameForge and import its dependencies: on an older Node they
// would die deep inside one of them (undici on Node 20), so say what is needed, as the CLI does.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const needed = nodeNeeded(pkg.engines.node, process.versions.node);
if (needed !== undefined) {
  console.error(`FrameForge needs Node.js ${needed} or newer; this is Node ${process.versions.node}.`);
  process.exit(2);
}

const dir = new URL('./bench/', import.meta.url).pathname;
const argv = process.argv.slice(2);
const runsAt = argv.indexOf('--runs');
const runs = runsAt === -1 ? 1 : Number(argv[runsAt + 1]);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs takes a whole number of runs, e.g. --runs 5');
  process.exit(2);
}
const only = argv.filter((a, i) => runsAt === -1 || (i !== runsAt && i !== runsAt + 1));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

/** Runs one benchmark, its output shown as it comes; resolves to its exit code and the lines it printed. */
function runBench(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(dir, file)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d;
    });
    child.on('close', (code) => resolve({ code, lines: out.split('\n') }));
  });
}

const VERDICT = /\b(OK|UNDER TARGET)\b/;
/** Per benchmark: its target lines, in the order it prints them, with each run's verdict. */
const targets = new Map();
const allPassed = [];
let failed = 0;
for (let run = 1; run <= runs; run++) {
  let passed = true;
  for (const file of files) {
    const name = file.replace(/\.mjs$/, '');
    console.log(`\n== ${name}${runs > 1 ? ` (run ${run} of ${runs})` : ''}`);
    const { code, lines } = await runBench(file);
    if (code !== 0) {
      failed++;
      passed = false;
    }
    const verdicts = lines.filter((l) => VERDICT.test(l));
    const rows = targets.get(name) ?? [];
    verdicts.forEach((line, i) => {
      rows[i] ??= { label: line.trim().split(':')[0], runs: [] };
      rows[i].runs[run - 1] = { ok: !line.includes('UNDER TARGET'), line: line.trim() };
      if (line.includes('UNDER TARGET')) passed = false;
    });
    targets.set(name, rows);
  }
  allPassed.push(passed);
}

if (runs > 1) {
  console.log(`\n== targets over ${runs} runs`);
  for (const [name, rows] of targets) {
    for (const row of rows) {
      const passes = row.runs.filter((r) => r?.ok).length;
      console.log(`${name}: ${row.label}: passed in ${passes} of ${runs} runs`);
      row.runs.forEach((r, i) => console.log(`  run ${i + 1}: ${r ? r.line : '(not printed)'}`));
    }
  }
  console.log(`every target passed in ${allPassed.filter(Boolean).length} of ${runs} runs`);
}
process.exit(failed ? 1 : 0);
