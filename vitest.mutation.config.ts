/**
 * The tests Stryker runs (`npm run test:mutation`): the fast ones that
 * exercise the mutated files in this process. A surviving mutant runs every
 * test that covers it, so the slow end-to-end files (multi-MB uploads,
 * spawned CLIs, which cannot see a mutant in Stryker's sandbox anyway) stay
 * in `npm test` only; each mutated file has a focused test file here.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'tests/unit/**/*.test.ts',
      'tests/server/{cors,multipart,policies,units,request-keys,access,shared-rate-limit}.test.ts',
      'tests/providers/{google,fal}.test.ts',
    ],
    exclude: ['tests/unit/{no-wall-clock,settings-docs}.test.ts'],
    // The provider modules loaded before any test, so their top-level code stays static (see the file).
    setupFiles: ['tests/support/mutation-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
