// Preloaded with --import: prints every module the process loads from
// node_modules to stderr, so a test can see what start-up pulled in.
import module from 'node:module';

module.registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (result.url.includes('/node_modules/')) process.stderr.write(`loaded ${result.url}\n`);
    return result;
  },
});
