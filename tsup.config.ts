import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  // Commands are separate entries reached by dynamic import, so `--help` loads none of them.
  entry: ['src/cli/run.ts', 'src/index.ts'],
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  outDir: 'dist',
  splitting: true,
  sourcemap: true,
  clean: true,
  // Types for the library entry only; the CLI is not imported by anyone.
  dts: { entry: { index: 'src/index.ts' } },
  // Dependencies stay external: sharp is native, and the SDKs load only when used.
  skipNodeModulesBundle: true,
  define: { __FRAMEFORGE_VERSION__: JSON.stringify(pkg.version) },
});
