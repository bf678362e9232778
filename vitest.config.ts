import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    reporters: ['default', './tests/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Server and CLI tests spawn processes and bind ports; two workers suit the 2-core machines.
    maxWorkers: 2,
  },
});
