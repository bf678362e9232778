#!/usr/bin/env node
// Caches compiled code between runs, so start-up stays fast (Node >= 22.1).
import module from 'node:module';
module.enableCompileCache?.();
const { run } = await import('../dist/cli/run.js');
await run(process.argv.slice(2));
