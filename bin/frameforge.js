#!/usr/bin/env node
// Caches compiled code between runs, so start-up stays fast (Node >= 22.1).
import module from 'node:module';
module.enableCompileCache?.();

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Scripts call --version often; answering it needs no CLI framework.
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  const { run } = await import('../dist/cli/run.js');
  await run(args);
}
