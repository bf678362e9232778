#!/usr/bin/env node
// First the Node version, with syntax older Nodes parse: on a Node the
// dependencies do not support, one line saying what is needed, not a crash
// deep inside one of them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeNeeded } from './node-check.js';
import { execTunedServe } from './serve-flags.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const needed = nodeNeeded(pkg.engines.node, process.versions.node);
const args = process.argv.slice(2);

if (needed !== undefined) {
  process.stderr.write(`FrameForge needs Node.js ${needed} or newer; this is Node ${process.versions.node}.\n`);
  process.exitCode = 2;
} else if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Scripts call --version often; answering it needs no CLI framework.
  process.stdout.write(`${pkg.version}\n`);
} else {
  // serve only: restarts in place with V8 flags sized for a server (see serve-flags.js).
  execTunedServe(args, fileURLToPath(import.meta.url));
  // Caches compiled code between runs, so start-up stays fast.
  const module = await import('node:module');
  module.enableCompileCache?.();
  const { run } = await import('../dist/cli/run.js');
  await run(args);
}
